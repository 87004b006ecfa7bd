"""spacedata: Launch Library 2 spacecraft and spacecraft-flight records as tidy pandas tables.

>>> import spacedata
>>> df = spacedata.load_spacecraft("bundled")      # one row per spacecraft
>>> spacedata.provenance_of(df).describe()         # where it came from, as of when, complete?
>>> flights = spacedata.load_flights("local")      # one row per flight (from a fetched snapshot)
>>> spacedata.diff("old-snapshot", "new-snapshot") # what changed between two syncs

Heavy modules (pandas, requests-cache, plotly) load on first use, not on import. The dashboard
(``spacedata.dashboard``, ``spacedata serve``) needs the extra: ``pip install 'll2-spacedata[dashboard]'``.
"""

from __future__ import annotations

import logging
from importlib import import_module

# A library logs, the application decides where it goes (no "last resort" lines on stderr).
logging.getLogger("spacedata").addHandler(logging.NullHandler())

#: The distribution's name on the package index (``pip install ll2-spacedata``); the name
#: ``spacedata`` there is another project's. The module stays ``spacedata``.
DISTRIBUTION = "ll2-spacedata"


def _version() -> str:
    """The installed distribution's version; from a source tree that is not installed (the
    checkout on ``PYTHONPATH``), pyproject.toml's, else ``0+unknown``. Asked on first use of
    ``__version__`` (importlib.metadata scans sys.path: ~50 ms, most of ``import spacedata``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        import re
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            found = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M)
        except OSError:
            found = None
        return found.group(1) if found else "0+unknown"


_LAZY = {
    "load_spacecraft": "spacedata.load",
    "load_flights": "spacedata.load",
    "load_tables": "spacedata.load",
    "fetch": "spacedata.load",
    "Tables": "spacedata.tidy",
    "LL2Client": "spacedata.client",
    "Endpoint": "spacedata.endpoints",
    "read_snapshot": "spacedata.snapshot",
    "write_snapshot": "spacedata.snapshot_writer",
    "bundled_snapshot": "spacedata.snapshot",
    "Provenance": "spacedata.provenance",
    "provenance_of": "spacedata.provenance",
    "cite": "spacedata.citation",
    "export": "spacedata.exports",
    "data_dictionary": "spacedata.dictionary",
    "diff": "spacedata.diffs",
    "publish": "spacedata.publishing",
}
_ERRORS = (
    "SpacedataError",
    "FetchError",
    "RateLimitError",
    "ApiError",
    "NetworkError",
    "NotCachedError",
    "IncompleteError",
    "QuotaExhaustedError",
    "QuotaError",
    "SnapshotError",
    "SpacedataWarning",
    "DurationWarning",
    "SourceWarning",
    "CacheWarning",
    "StaleDataWarning",
    "RecordWarning",
    "RejectedRecordWarning",
    "ConsistencyWarning",
)
__all__ = ["__version__", *_LAZY, *_ERRORS]


_SUBMODULES = (
    "citation",
    "client",
    "config",
    "dashboard",
    "dictionary",
    "diffs",
    "durations",
    "endpoints",
    "exports",
    "load",
    "manifest",
    "plots",
    "publishing",
    "remote",
    "snapshot",
    "synthetic",
    "tidy",
    "tidy_flights",
)


def __getattr__(name: str):
    if name == "__version__":
        version = globals()["__version__"] = _version()
        return version
    if name in _SUBMODULES:
        return import_module(f"spacedata.{name}")
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name in _ERRORS:
        return getattr(import_module("spacedata.errors"), name)
    raise AttributeError(f"module 'spacedata' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
