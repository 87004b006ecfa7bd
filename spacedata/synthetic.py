"""Synthetic records resampled from real ones, for tests, benchmarks and scale checks.

Synthetic data is always labelled: snapshots written here have ``source: synthetic`` in their
manifest and their provenance says so. Never mix it with real data.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence

_STATUSES = [
    {"id": 1, "name": "Active"},
    {"id": 2, "name": "Retired"},
    {"id": 3, "name": "Destroyed"},
    {"id": 4, "name": "Single Use"},
]


def resample(records: Sequence[dict], n: int, seed: int = 0) -> list[dict]:
    """``n`` records drawn from ``records`` with new ids (from 100001) and varied numbers.

    Each synthetic record keeps a real record's configuration, agency and families (shared by
    reference, not copied) and gets a random flight count, status, in-space flag and durations,
    so group-bys and distributions have something to show. Deterministic for a given seed.
    """
    rng = random.Random(seed)
    out = []
    for k in range(n):
        base = records[rng.randrange(len(records))]
        flights = rng.choice((1, 1, 1, 2, 3, 5, 8, 13, 20, 30))
        days = rng.randint(0, 400) * flights // 3
        docked = rng.randint(0, days) if days else 0
        rec = dict(base)
        rec.update(
            id=100_001 + k,
            name=f"{base.get('name')} (synthetic {k + 1})",
            in_space=rng.random() < 0.05,
            is_placeholder=rng.random() < 0.02,
            flights_count=flights,
            mission_ends_count=flights,
            status=rng.choice(_STATUSES),
            time_in_space=f"P{days}DT{rng.randint(0, 23)}H{rng.randint(0, 59)}M{rng.randint(0, 59)}S",
            time_docked=f"P{docked}DT{rng.randint(0, 23)}H{rng.randint(0, 59)}M",
            fastest_turnaround=f"P{rng.randint(20, 400)}D" if flights > 1 else None,
        )
        out.append(rec)
    return out


def pages_of(records: Sequence[dict], per_page: int = 100) -> list[bytes]:
    """Serialise records into LL2-shaped page bodies (``count``/``next``/``results``)."""
    pages = []
    for start in range(0, len(records), per_page):
        body = {
            "count": len(records),
            "next": None,
            "previous": None,
            "results": list(records[start : start + per_page]),
        }
        pages.append(json.dumps(body).encode("utf-8"))
    return pages


def write_synthetic_snapshot(n: int, out: str | os.PathLike, seed: int = 0):
    """Write a complete, clearly labelled synthetic snapshot of ``n`` records to ``out``."""
    from .snapshot import bundled_snapshot, write_pages

    records = resample(bundled_snapshot().records(), n, seed)
    bodies = pages_of(records)
    return write_pages(
        out,
        bodies,
        [f"synthetic://spacecraft/?offset={i * 100}" for i in range(len(bodies))],
        {
            "source": "synthetic",
            "endpoint": "synthetic://spacecraft/",
            "params": {"seed": seed},
            "fetched_at": None,
            "count_reported": n,
            "records_received": n,
            "complete": True,
            "note": f"SYNTHETIC: {n} records resampled (seed {seed}) from the 20 real bundled records.",
        },
    )
