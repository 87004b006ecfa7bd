"""Data-layer benchmark: prints figures, asserts nothing. Run: python benchmarks/bench_data.py
(``--big`` adds 100,000 spacecraft).

1. Requests per full sync of both endpoints (603 spacecraft, 1,085 flights) against the local
   LL2-like server: spacedata (limit=100, overlapping pages) versus a tutorial-style loop that
   follows ``next`` at LL2's default page size.
2. Snapshot -> tables, measured in one run side by side: ``spacedata.load_tables(snapshot)``
   (reads and verifies the snapshot: manifest with pydantic, sizes and sha256 of every page;
   then builds every table) against the JSON decode floor of the same page bytes: bare
   ``json.loads`` (the standard library) and ``orjson.loads`` with the GC paused (what
   spacedata decodes with); and the naive path beside them (``json.loads`` +
   ``pd.json_normalize`` + ``isodate`` per duration + ``pd.to_datetime``). Spacecraft: 603 and
   20,000; flights: 10,000 (a snapshot of flights only). All records are SYNTHETIC (resampled
   from the 20 real bundled spacecraft; flights made to the OpenAPI shapes).
3. ``import spacedata`` time in a fresh interpreter, and whether it pulls in plotly/panel.
"""

from __future__ import annotations

import gc
import json
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import isodate  # noqa: E402
import orjson  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

import spacedata  # noqa: E402
from spacedata import _pages  # noqa: E402
from spacedata.client import LL2Client  # noqa: E402
from spacedata.snapshot import bundled_snapshot  # noqa: E402
from spacedata.snapshot_writer import write_endpoints  # noqa: E402
from spacedata.synthetic import (  # noqa: E402
    REALISTIC_FLIGHTS,
    flights_for,
    pages_of,
    resample,
    write_synthetic_snapshot,
)
from tests.ll2fake import FakeLL2  # noqa: E402


def requests_per_sync(real: list[dict]) -> tuple[dict, dict]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        crafts = resample(real, 603, seed=1, flights=REALISTIC_FLIGHTS)
        fake = FakeLL2(crafts, flights_for(crafts, seed=1), base=server.url_for("/2.3.0/"))
        server.expect_request(re.compile(r"/2\.3\.0/.*")).respond_with_handler(fake.handle)
        with (
            tempfile.TemporaryDirectory() as cache,
            LL2Client(fake.base, cache_dir=cache, progress=False) as c,
        ):
            assert c.sync().run().complete
        ours = {n: len(fake.requests_to(n)) for n in fake.endpoints}
        fake.seen = []
        for name in fake.endpoints:
            url = fake.base + name + "/"
            while url:  # the loop most tutorials show
                url = requests.get(url, timeout=30).json()["next"]
        return ours, {n: len(fake.requests_to(n)) for n in fake.endpoints}
    finally:
        server.stop()


def bare(pages: list[bytes]) -> list:
    return [json.loads(b) for b in pages]


def floor(pages: list[bytes]) -> list:
    with _pages.gc_paused():
        return [orjson.loads(b) for b in pages]


def naive_spacecraft(pages: list[bytes]) -> pd.DataFrame:
    records = [r for b in pages for r in json.loads(b)["results"]]
    df = pd.json_normalize(records)
    for col in ("time_in_space", "time_docked", "fastest_turnaround"):
        df[col] = df[col].map(lambda v: isodate.parse_duration(v) if isinstance(v, str) else None)
        df[col] = pd.to_timedelta(df[col])
    return df


def naive_flights(pages: list[bytes]) -> pd.DataFrame:
    records = [r for b in pages for r in json.loads(b)["results"]]
    df = pd.json_normalize(records)
    for col in ("duration", "turn_around_time"):
        df[col] = df[col].map(lambda v: isodate.parse_duration(v) if isinstance(v, str) else None)
        df[col] = pd.to_timedelta(df[col])
    for col in ("launch.net", "mission_end"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


def race(fns: dict, repeat: int) -> dict[str, float]:
    """Each ``name: (fn, arg)`` run ``repeat`` times, round robin (so a busy spell of the
    machine hits all of them alike); the best run of each, in seconds."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, (fn, arg) in fns.items():
            gc.collect()
            t = time.perf_counter()
            fn(arg)
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def page_bytes(snap_dir: Path, endpoint: str) -> list[bytes]:
    snap = spacedata.snapshot.read_snapshot(snap_dir)
    return [(snap.path / p.file).read_bytes() for p in snap.manifest.part(endpoint).pages]


def flights_snapshot(real: list[dict], n: int, out: Path) -> Path:
    """A snapshot of exactly ``n`` SYNTHETIC flights (the flights endpoint only)."""
    crafts, total = [], 0
    for craft in resample(real, n, seed=2):
        take = min(craft["flights_count"], n - total)
        crafts.append(dict(craft, flights_count=take))
        total += take
        if total == n:
            break
    flights = flights_for(crafts, seed=2)
    bodies = pages_of(flights)
    part = {
        "endpoint": "synthetic://spacecraft_flights/",
        "params": {"seed": 2},
        "fetched_at": None,
        "count_reported": len(flights),
        "records_received": len(flights),
        "complete": True,
    }
    urls = [f"synthetic://spacecraft_flights/?offset={i * 100}" for i in range(len(bodies))]
    write_endpoints(
        out,
        {"spacecraft_flights": (bodies, urls, part)},
        {"source": "synthetic", "note": f"SYNTHETIC: {len(flights)} flights."},
    )
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    real = bundled_snapshot().records()
    print("== requests per full sync (603 spacecraft, 1,085 flights; local LL2-like server)")
    mine, tutorial = requests_per_sync(real)
    print(
        f"spacedata (limit=100): {sum(mine.values())} requests ({mine}) | tutorial loop "
        f"(default page of 10): {sum(tutorial.values())} requests ({tutorial})"
    )

    print("\n== snapshot -> tables, one run, side by side (best of runs, interleaved; seconds)")
    print("(records are SYNTHETIC; 'orjson' is the decode floor spacedata works from)")
    head = (
        f"{'what':<22} {'MB':>6} {'json':>7} {'orjson':>7} {'spacedata':>10} {'naive':>7} "
        f"{'ours/json':>10} {'ours/orjson':>12} {'naive/ours':>11}"
    )
    print(head)
    sizes = [("spacecraft", 603, 9), ("spacecraft", 20_000, 7), ("flights", 10_000, 7)]
    if "--big" in sys.argv:
        sizes.append(("spacecraft", 100_000, 3))
    with tempfile.TemporaryDirectory() as tmp:
        for what, n, repeat in sizes:
            out = Path(tmp) / f"{what}-{n}"
            if what == "spacecraft":
                write_synthetic_snapshot(n, out, seed=2)
                pages, naive = page_bytes(out, "spacecraft"), naive_spacecraft
            else:
                flights_snapshot(real, n, out)
                pages, naive = page_bytes(out, "spacecraft_flights"), naive_flights
            mb = sum(map(len, pages)) / 1e6
            t = race(
                {
                    "json": (bare, pages),
                    "floor": (floor, pages),
                    "ours": (lambda p: spacedata.load_tables(snapshot=p), out),
                },
                repeat,
            )
            t_json, t_floor, t_ours = t["json"], t["floor"], t["ours"]
            t_naive = race({"naive": (naive, pages)}, 2)["naive"]
            print(
                f"{f'{n:,} {what}':<22} {mb:6.1f} {t_json:7.3f} {t_floor:7.3f} {t_ours:10.3f} "
                f"{t_naive:7.3f} {t_ours / t_json:9.2f}x {t_ours / t_floor:11.2f}x "
                f"{t_naive / t_ours:10.1f}x"
            )

    print("\n== import time (fresh interpreter, median of 5)")
    for stmt, what in (
        ("import spacedata", "import spacedata"),
        ("from spacedata import load_spacecraft", "first use (pulls in pandas, requests-cache)"),
    ):
        code = f"import time,sys;t=time.perf_counter();{stmt};print(time.perf_counter()-t, 'plotly' in sys.modules or 'panel' in sys.modules)"
        runs = [
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()
            for _ in range(5)
        ]
        ms = statistics.median(float(r[0]) for r in runs) * 1000
        print(f"{what}: {ms:.0f} ms; plotly/panel imported: {runs[0][1]}")


if __name__ == "__main__":
    main()
