"""``load_tables`` / ``load_spacecraft``: choose a source, read its pages, build the tables."""

from __future__ import annotations

import os
import warnings
from typing import Any

import pandas as pd

from . import config
from .client import LL2Client
from .errors import FetchError, SnapshotError, SourceWarning
from .provenance import Provenance
from .snapshot import Snapshot, bundled_snapshot, latest_snapshot, read_snapshot
from .tidy import Tables, build_tables

SOURCES = ("auto", "live", "snapshot", "bundled")


def load_tables(
    source: str | os.PathLike = "auto",
    *,
    snapshot: str | os.PathLike | None = None,
    params: dict[str, Any] | None = None,
    client: LL2Client | None = None,
    refresh: bool = False,
    check_quota: bool = False,
) -> Tables:
    """Load the normalised spacecraft tables.

    Args:
        source: where the records come from:

            * ``"auto"``: ``SPACEDATA_SNAPSHOT`` if set; else the live API through the HTTP cache;
              if that fails, the latest fetched snapshot, then the bundled sample (with a
              :class:`SourceWarning` saying which was used and why).
            * ``"live"``: the API through the cache (offline mode reads the cache only).
            * ``"snapshot"``: ``snapshot=PATH``, else ``SPACEDATA_SNAPSHOT``, else the latest
              snapshot written by ``spacedata fetch``.
            * ``"bundled"``: the 20-record sample shipped with the package (a partial sample).
            * a path: the snapshot directory there (same as ``snapshot=PATH``).
        snapshot: a snapshot directory; implies ``source="snapshot"``.
        params: ``/spacecraft/`` filters for live loads (see :mod:`spacedata.client`).
        client: an :class:`LL2Client` to use (default: one built from the environment).
        refresh: live loads ignore fresh cache entries.
        check_quota: live loads first read ``/api-throttle/`` and raise :class:`QuotaError` if a
            whole sync cannot fit in the calls left.

    Every frame's ``.attrs`` carries the provenance (source, fetched_at, count, complete);
    :func:`spacedata.provenance_of` reads it back.
    """
    if source not in SOURCES:  # a path, or a mistake
        if isinstance(source, os.PathLike) or "/" in source or os.sep in source:
            return _from_snapshot(read_snapshot(source))
        raise ValueError(f"source={source!r}: use one of {SOURCES} or a snapshot directory.")
    if snapshot is not None or (source in ("auto", "snapshot") and config.snapshot_override()):
        return _from_snapshot(read_snapshot(snapshot or config.snapshot_override()))
    if source == "bundled":
        return _from_snapshot(bundled_snapshot())
    if source == "snapshot":
        snap = latest_snapshot()
        if snap is None:
            raise SnapshotError(
                "No fetched snapshot yet: run `spacedata fetch`, pass snapshot=PATH, or use "
                'source="bundled" for the 20-record sample.'
            )
        return _from_snapshot(snap)
    try:
        return _from_live(client, params, refresh, check_quota)
    except FetchError as exc:
        if source == "live":
            raise
        snap = latest_snapshot()
        fallback = snap or bundled_snapshot()
        what = "the latest fetched snapshot" if snap else "the bundled 20-record sample"
        warnings.warn(
            f"Live LL2 data unavailable ({exc}). Using {what} at {fallback.path} instead.",
            SourceWarning,
            stacklevel=3,
        )
        return _from_snapshot(fallback)


def load_spacecraft(source: str | os.PathLike = "auto", **kwargs: Any) -> pd.DataFrame:
    """One row per spacecraft with agency, configuration and family columns joined in.

    Takes the same arguments as :func:`load_tables`; the dtypes are ``tidy.WIDE_DTYPES``.
    """
    return load_tables(source, **kwargs).wide()


def _from_snapshot(snap: Snapshot) -> Tables:
    return build_tables(snap.records(), snap.provenance)


def _from_live(
    client: LL2Client | None, params: dict | None, refresh: bool, check_quota: bool
) -> Tables:
    own = client is None
    client = client or LL2Client()
    try:
        result = client.fetch_spacecraft(params, refresh=refresh, check_quota=check_quota)
    finally:
        if own:
            client.close()
    prov = Provenance(
        source=result.source,
        fetched_at=result.fetched_at,
        count=result.count,
        records=len(result.records),
        complete=result.complete,
        location=client.endpoint,
    )
    return build_tables(result.records, prov)
