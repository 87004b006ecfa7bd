"""Build the bundled sample (``data/bundled``) from the real LL2 captures, byte for byte.

    python tools/bundled_snapshot.py [--seeds ../shared/seeds] [--out data/bundled]

``make bundled-snapshot`` runs it. The sample holds every real LL2 page this project has, each
with its origin in the manifest (``pages[].origin``): two ``/spacecraft/`` pages of the
browsable API captured on the development host on unrecorded dates, and one
``/spacecraft_flights/`` JSON page of the development host's whole 38-flight listing, saved in
a public repository. Both endpoints are marked incomplete: the development host is a limited,
stale copy of LL2 (its flights are 2025-2027 launches only), so no count is checked against
the other.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from spacedata import config
from spacedata.captures import read_capture
from spacedata.snapshot_writer import write_endpoints

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
OUT = ROOT / "data" / "bundled"

SPACECRAFT_CAPTURES = (
    "ll2-spacecraft-page-offset30.txt",
    "ll2-spacecraft-page-offset300-ordering-flights.txt",
)
SPACECRAFT_ORIGIN = (
    "Captured from LL2's browsable API (format=api) on the development host, on an unrecorded date."
)
FLIGHTS_PAGE = "ll2-spacecraft-flights-lldev-2026-07.json"
#: The flights page records no URL of its own: this is the request its author describes.
FLIGHTS_URL = config.DEVELOPMENT_URL + "spacecraft_flights/?limit=100"
FLIGHTS_ORIGIN = (
    "Saved with json.dump(..., indent=4) by its author in the public repository "
    "Kileorguy/SpaceX-DataWarehouse, staging_data/raw/spacecraft_flights.json, commit "
    "d638389a467986a93aa2c2d890a05cfd2cdfc46d (2026-07-21); kept byte for byte. Captured "
    "about 2026-07-19 (its newest launch.last_updated)."
)


def build(seeds: Path, out: Path):
    crafts = [read_capture(seeds / name) for name in SPACECRAFT_CAPTURES]
    craft_pages = [json.loads(body) for body, _ in crafts]
    craft_ids = {r["id"] for page in craft_pages for r in page["results"]}
    about = max(page["count"] for page in craft_pages)
    flights_body, _ = read_capture(seeds / FLIGHTS_PAGE)
    flights = json.loads(flights_body)
    stamps = [f["launch"]["last_updated"] for f in flights["results"]]
    return write_endpoints(
        out,
        {
            "spacecraft": (
                [body for body, _ in crafts],
                [url for _, url in crafts],
                {
                    "endpoint": config.DEVELOPMENT_URL + "spacecraft/",
                    "params": None,
                    "fetched_at": None,
                    "count_reported": about,
                    "records_received": len(craft_ids),
                    "complete": False,
                    "problems": [
                        f"{len(craft_ids)} real records of about {about}: two captured pages "
                        "(offset 30 in the default order; offset 300 ordered by most flights "
                        "first), skewed to spacecraft that flew once"
                    ],
                    "origins": [SPACECRAFT_ORIGIN] * len(crafts),
                },
            ),
            "spacecraft_flights": (
                [flights_body],
                [FLIGHTS_URL],
                {
                    "endpoint": config.DEVELOPMENT_URL + "spacecraft_flights/",
                    "params": {"limit": "100"},
                    "fetched_at": max(stamps).replace("Z", "+00:00"),
                    "count_reported": flights["count"],
                    "records_received": len({f["id"] for f in flights["results"]}),
                    "complete": False,
                    "problems": [
                        f"the development host's whole listing of {flights['count']} flights "
                        "(launches 2025-2027), a limited, stale copy of LL2's flights"
                    ],
                    "origins": [FLIGHTS_ORIGIN],
                },
            ),
        },
        {
            "source": "captures",
            "note": (
                "Partial sample of real LL2 data from the development host "
                "(lldev.thespacedevs.com), a limited, stale copy: 20 spacecraft records of "
                f"about {about} and its whole {flights['count']}-flight listing of about "
                "2026-07-19. See each page's origin."
            ),
        },
        layout="flat",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    snap = build(args.seeds, args.out)
    print(f"Wrote {snap.path}: {', '.join(snap.endpoints)}; {snap.provenance.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
