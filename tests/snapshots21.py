"""Complete snapshots for the publishing tests (issue 21): the bundled sample's 20 real
spacecraft records, claimed complete (count 20), with a stamp in one name so each ``n`` gives
another version."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from spacedata.snapshot import bundled_snapshot
from spacedata.snapshot_writer import write_endpoints

BASE = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)


def complete_snapshot(out: Path, n: int = 1, *, complete: bool = True) -> Path:
    """Write version ``n`` of a complete snapshot into the store ``out``; its first
    spacecraft is named ``... v<n>``. ``complete=False``: the same, claimed incomplete."""
    snap = bundled_snapshot()
    part = snap.manifest.part("spacecraft")
    bodies = []
    for i, entry in enumerate(part.pages):
        page = json.loads((snap.path / entry.file).read_bytes())
        if i == 0:
            page["results"][0]["name"] = f"{page['results'][0]['name']} v{n}"
        bodies.append(json.dumps(page).encode())
    records = len(snap.records("spacecraft"))
    fields = {
        "endpoint": part.endpoint,
        "params": None,
        "fetched_at": BASE + timedelta(hours=n),
        "count_reported": records if complete else records + 5,
        "records_received": records,
        "complete": complete,
        "problems": [] if complete else ["5 records missing"],
    }
    write_endpoints(
        out,
        {"spacecraft": (bodies, [p.url for p in part.pages], fields)},
        {"source": "live"},
    )
    return out
