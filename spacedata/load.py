"""The one door to the data: choose a source and load tables (:func:`load_tables`), or sync
LL2 into a snapshot (:func:`fetch`). Notebooks, the dashboard and the CLI all come through here,
so the policy (fallbacks, quota, what counts as complete) lives in one place."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from . import config
from .client import FetchResult, LL2Client
from .errors import FetchError, IncompleteError, SnapshotError, SourceWarning, SpacedataError
from .provenance import Provenance
from .snapshot import (
    Snapshot,
    bundled_snapshot,
    default_snapshot_dir,
    latest_snapshot,
    read_snapshot,
)
from .tidy import Tables, build_tables

#: Where records can come from; anything else is a snapshot directory.
SOURCES = ("auto", "live", "snapshot", "local", "bundled")


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

            * ``"auto"``: ``SPACEDATA_SNAPSHOT`` if set; else the live API through the HTTP
              cache (**this may spend API quota**: up to 7 of 15 calls an hour); if that
              fails, ``"local"``, with a :class:`SourceWarning` saying which and why.
            * ``"live"``: the API through the cache (offline mode reads the cache only).
            * ``"snapshot"``: ``snapshot=PATH``, else ``SPACEDATA_SNAPSHOT``, else the latest
              snapshot written by ``spacedata fetch``.
            * ``"local"``: the latest fetched snapshot if there is one, else the bundled
              sample; never the network. The command line's default.
            * ``"bundled"``: the 20-record sample shipped with the package (a partial sample).
            * a path (absolute or relative, e.g. ``"my-snapshot"``): that snapshot directory.
        snapshot: a snapshot directory; implies ``source="snapshot"``.
        params: ``/spacecraft/`` filters for live loads (see :mod:`spacedata.client`).
        client: an :class:`LL2Client` to use (default: one built from the environment).
        refresh: live loads ignore fresh cache entries.
        check_quota: live loads first read ``/api-throttle/`` and raise :class:`QuotaError` if a
            whole sync cannot fit in the calls left.

    Every frame's ``.attrs`` carries the provenance (source, fetched_at, count, complete,
    stale_since); :func:`spacedata.provenance_of` reads it back. Records that cannot be used
    at all are in ``Tables.rejected``, never dropped silently.
    """
    if snapshot is not None:
        return _from_snapshot(read_snapshot(snapshot))
    if isinstance(source, os.PathLike) or source not in SOURCES:
        if isinstance(source, os.PathLike) or Path(source).expanduser().is_dir() or "/" in source:
            return _from_snapshot(read_snapshot(source))
        raise ValueError(
            f"source={source!r}: use one of {SOURCES} or an existing snapshot directory "
            f"(no directory {Path(source).resolve()})."
        )
    if source in ("auto", "snapshot") and config.snapshot_override():
        return _from_snapshot(read_snapshot(config.snapshot_override()))
    if source == "bundled":
        return _from_snapshot(bundled_snapshot())
    if source == "local":
        return _from_snapshot(latest_snapshot() or bundled_snapshot())
    if source == "snapshot":
        snap = latest_snapshot()
        if snap is None:
            raise SnapshotError(
                "No fetched snapshot yet: run `spacedata fetch` (Python: spacedata.fetch()), "
                'name one (snapshot=PATH), or use the 20-record sample (source="bundled").'
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
            f"Live LL2 data unavailable ({exc}). Using {what} at {fallback.location} instead.",
            SourceWarning,
            stacklevel=3,
        )
        return _from_snapshot(fallback)


def load_spacecraft(
    source: str | os.PathLike = "auto",
    *,
    snapshot: str | os.PathLike | None = None,
    params: dict[str, Any] | None = None,
    client: LL2Client | None = None,
    refresh: bool = False,
    check_quota: bool = False,
) -> pd.DataFrame:
    """One row per spacecraft with agency, configuration and family columns joined in.

    Takes the same arguments as :func:`load_tables` (``"auto"`` may spend API quota); the
    dtypes are ``tidy.WIDE_DTYPES``.
    """
    return load_tables(
        source,
        snapshot=snapshot,
        params=params,
        client=client,
        refresh=refresh,
        check_quota=check_quota,
    ).wide()


def fetch(
    out: str | os.PathLike | None = None,
    *,
    params: dict[str, Any] | None = None,
    client: LL2Client | None = None,
    refresh: bool = False,
    check_quota: bool = True,
    allow_partial: bool = False,
) -> Snapshot:
    """Sync every ``/spacecraft/`` page from LL2 into the snapshot at ``out``.

    The snapshot at ``out`` (default: the user data dir, which ``source="snapshot"`` reads) is
    replaced only by a complete, verified sync, in one atomic step.

    Args:
        out: snapshot directory.
        params, refresh, check_quota: as for :meth:`LL2Client.fetch_spacecraft`.
        client: an :class:`LL2Client` to use (default: one built from the environment).
        allow_partial: keep an incomplete result anyway, in ``<out>.partial`` (never over
            ``out``).

    Raises:
        IncompleteError: the sync finished but is not complete (records moved, ``next``
            stopped early, ids repeated...); nothing was replaced. Fetching again re-reads the
            pages involved.
        RateLimitError, ApiError, NetworkError, NotCachedError: the sync stopped early;
            nothing was replaced.
        QuotaError: the quota pre-check refused; nothing was requested.
    """
    from .snapshot import partial_path, write_snapshot

    out = Path(out).expanduser() if out is not None else default_snapshot_dir()
    own = client is None
    client = client or LL2Client()
    try:
        try:
            result = client.fetch_spacecraft(params, refresh=refresh, check_quota=check_quota)
        except FetchError as exc:
            if allow_partial and isinstance(exc.partial, FetchResult) and exc.partial.pages:
                write_snapshot(exc.partial, out, allow_partial=True)
                exc.args = (f"{exc} The partial result was kept in {partial_path(out)}.",)
            raise
    finally:
        if own:
            client.close()
    if result.complete:
        return write_snapshot(result, out)
    kept = ""
    if allow_partial:
        write_snapshot(result, out, allow_partial=True)
        kept = f" The partial result was kept in {partial_path(out)}."
    raise IncompleteError(
        f"The sync is incomplete ({'; '.join(result.problems)}); {out} was not replaced.{kept} "
        "Run `spacedata fetch` again (the pages involved are re-read from LL2), or keep what "
        "arrived with --allow-partial.",
        partial=result,
    )


def best_available(*, quick_s: float = 3.0, client: LL2Client | None = None) -> tuple[Tables, str]:
    """The best data that can be had now, for a server that must start: ``SPACEDATA_SNAPSHOT``;
    else the latest fetched snapshot; else, if LL2 answers ``/api-throttle/`` within ``quick_s``
    seconds and the quota allows a whole sync, a fresh :func:`fetch` (saved as the latest
    snapshot); else the bundled sample. Never raises for a network or quota problem.

    Returns:
        The tables, and one sentence saying which source was chosen and why.
    """
    override = config.snapshot_override()
    if override is not None:
        return _from_snapshot(
            read_snapshot(override)
        ), f"the snapshot named by SPACEDATA_SNAPSHOT ({override})"
    snap = latest_snapshot()
    if snap is not None:
        return _from_snapshot(snap), f"your latest fetched snapshot ({snap.location})"
    probe = LL2Client(
        client.base_url if client else None, timeout=(quick_s, quick_s), deadline=quick_s, retries=0
    )
    try:
        probe.throttle()  # free, and fails fast when LL2 cannot be reached
    except FetchError as exc:
        return _bundled(f"offline: LL2 did not answer within {quick_s:g} s ({exc})")
    finally:
        probe.close()
    try:
        fresh = fetch(client=client, check_quota=True)
    except SpacedataError as exc:
        return _bundled(f"LL2 could not be synced now ({exc})")
    return _from_snapshot(fresh), f"a fresh sync of LL2 just now, saved to {fresh.location}"


def _bundled(why: str) -> tuple[Tables, str]:
    return _from_snapshot(bundled_snapshot()), f"the bundled 20-record sample; {why}"


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
        stale_since=result.stale_since,
    )
    return build_tables(result.records, prov)
