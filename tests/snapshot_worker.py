"""Shared builder of fake syncs for the snapshot tests, and the worker processes they start.

As a module: :func:`marked_records`, :func:`fake_result` (a FetchResult look-alike) and
:func:`check_marked`. As a script (spacedata and the standard library only)::

    python tests/snapshot_worker.py write-loop OUT FIRST   # after "go" on stdin, write forever
                                                           # (markers FIRST, FIRST+1, ...)
    python tests/snapshot_worker.py read-loop OUT STOP     # read until STOP exists, print JSON
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from spacedata.synthetic import pages_of

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


def marked_records(marker: int, n: int | None = None) -> list[dict]:
    """``n`` records (default 5 to 23, varying with ``marker``) that all carry ``marker``."""
    n = 5 + (marker % 7) * 3 if n is None else n
    return [{"id": i + 1, "name": f"craft {i + 1} v{marker}", "marker": marker} for i in range(n)]


@dataclass
class FakePage:
    url: str
    content: bytes
    from_cache: bool = False
    fetched_at: datetime = T0


@dataclass
class FakeResult:
    """What :class:`spacedata.client.FetchResult` offers to ``write_snapshot``."""

    endpoint: str
    params: dict
    pages: list[FakePage]
    records: list[dict]
    count: int | None
    complete: bool
    problems: list[str] = field(default_factory=list)
    stale_since: datetime | None = None

    @property
    def source(self) -> str:
        return "cache" if self.pages and all(p.from_cache for p in self.pages) else "live"

    @property
    def fetched_at(self) -> datetime | None:
        return min((p.fetched_at for p in self.pages), default=None)


def fake_result(
    records: list[dict],
    *,
    per_page: int = 4,
    count: int | None = None,
    complete: bool | None = None,
    problems: list[str] | None = None,
    stale_since: datetime | None = None,
) -> FakeResult:
    """A sync of ``records`` in pages of ``per_page``; complete unless told otherwise."""
    bodies = pages_of(records, per_page)
    count = len(records) if count is None else count
    return FakeResult(
        endpoint="test://spacecraft/",
        params={"ordering": "id"},
        pages=[
            FakePage(f"test://spacecraft/?offset={i * per_page}", b) for i, b in enumerate(bodies)
        ],
        records=list(records),
        count=count,
        complete=(count == len(records)) if complete is None else complete,
        problems=list(problems or []),
        stale_since=stale_since,
    )


def check_marked(snap) -> int:
    """The one marker all records of ``snap`` carry; AssertionError if versions are mixed."""
    records = snap.records()
    markers = {r["marker"] for r in records}
    assert len(markers) == 1, f"records of several writes mixed: {sorted(markers)}"
    marker = markers.pop()
    assert records == marked_records(marker), f"version {marker} is not what was written"
    assert snap.manifest.records_received == len(records) == snap.manifest.count_reported
    return marker


def _write_loop(out: Path, first: int) -> None:
    from spacedata.snapshot_writer import write_snapshot

    print("ready", flush=True)
    sys.stdin.readline()  # "go"
    marker = first
    while True:
        write_snapshot(fake_result(marked_records(marker)), out)
        print(f"wrote {marker}", flush=True)
        marker += 1


def _read_loop(out: Path, stop: Path) -> None:
    from spacedata.snapshot import read_snapshot

    retries = []

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "replaced while being read" in record.getMessage():
                retries.append(1)

    logger = logging.getLogger("spacedata")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Count())
    reads, markers, errors = 0, set(), []
    first = True
    while not stop.exists():
        try:
            markers.add(check_marked(read_snapshot(out)))
            reads += 1
        except Exception as exc:  # every failure is what the test looks for
            errors.append(f"{type(exc).__name__}: {exc}")
        if first:
            print("ready", flush=True)
            first = False
    print(
        json.dumps(
            {"reads": reads, "markers": sorted(markers), "errors": errors, "retries": len(retries)}
        ),
        flush=True,
    )


if __name__ == "__main__":
    mode, out, arg = sys.argv[1:4]
    if mode == "write-loop":
        _write_loop(Path(out), int(arg))
    else:
        _read_loop(Path(out), Path(arg))
