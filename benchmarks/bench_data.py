"""Data-layer benchmark: prints figures, asserts nothing. Run: make bench (or python benchmarks/bench_data.py).

1. Requests per full sync of 603 records: spacedata (limit=100) versus a tutorial-style loop
   that follows `next` at LL2's default page size, both against the local LL2-like server.
2. Tidy-table build time from the same raw page bytes, for 603 and 100,000 records (SYNTHETIC:
   resampled from the 20 real ones), versus (a) naive pd.json_normalize + isodate.parse_duration
   per value and (b) bare json.loads of the same bytes. One run, side by side; ratios matter.
3. `import spacedata` time in a fresh interpreter, and whether it pulls in plotly/panel.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import isodate  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from spacedata._pages import parse_all, unique_records  # noqa: E402
from spacedata.client import LL2Client  # noqa: E402
from spacedata.snapshot import bundled_snapshot  # noqa: E402
from spacedata.synthetic import pages_of, resample  # noqa: E402
from spacedata.tidy import build_tables  # noqa: E402
from tests.ll2fake import FakeLL2  # noqa: E402


def requests_per_sync(real: list[dict]) -> tuple[int, int]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        fake = FakeLL2(records=resample(real, 603, seed=1), base=server.url_for("/2.3.0/"))
        server.expect_request(re.compile(r"/2\.3\.0/.*")).respond_with_handler(fake.handle)
        with (
            tempfile.TemporaryDirectory() as cache,
            LL2Client(fake.base, cache_dir=cache, progress=False) as c,
        ):
            c.fetch_spacecraft()
        ours = len(fake.spacecraft_requests)
        fake.seen = []
        url = fake.base + "spacecraft/"
        while url:  # the loop most tutorials show
            url = requests.get(url, timeout=30).json()["next"]
        return ours, len(fake.spacecraft_requests)
    finally:
        server.stop()


def ours(pages: list[bytes]):  # what spacedata does with a snapshot's or a sync's pages
    records = unique_records(parse_all(pages))
    tables = build_tables(records)
    return tables, tables.wide()


def naive(pages: list[bytes]) -> pd.DataFrame:
    records = [r for b in pages for r in json.loads(b)["results"]]
    df = pd.json_normalize(records)
    for col in ("time_in_space", "time_docked", "fastest_turnaround"):
        df[col] = df[col].map(lambda v: isodate.parse_duration(v) if isinstance(v, str) else None)
        df[col] = pd.to_timedelta(df[col])
    return df


def bare(pages: list[bytes]) -> list:
    return [json.loads(b) for b in pages]


def timed(fn, pages, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn(pages)
        best.append(time.perf_counter() - t)
    return statistics.median(best)


def main() -> None:
    real = bundled_snapshot().records()
    print("== requests per full sync (603 records, local LL2-like server)")
    mine, tutorial = requests_per_sync(real)
    print(
        f"spacedata (limit=100): {mine} requests | tutorial loop (default page of 10): {tutorial} requests"
    )

    print("\n== tidy tables from the same raw page bytes (median of runs, seconds)")
    print("(records are SYNTHETIC: resampled from the 20 real bundled records)")
    print(
        f"{'records':>9} {'MB':>7} {'bare json':>10} {'spacedata':>10} {'naive':>9} {'naive/ours':>11} {'ours/bare':>10}"
    )
    for n, repeat in ((603, 5), (100_000, 3)):
        pages = pages_of(resample(real, n, seed=2))
        mb = sum(map(len, pages)) / 1e6
        t_bare = timed(bare, pages, repeat)
        t_ours = timed(ours, pages, repeat)
        t_naive = timed(naive, pages, repeat)
        print(
            f"{n:>9,} {mb:7.1f} {t_bare:10.3f} {t_ours:10.3f} {t_naive:9.3f} {t_naive / t_ours:10.1f}x {t_ours / t_bare:9.2f}x"
        )
        del pages

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
