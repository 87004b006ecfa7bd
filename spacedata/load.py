"""The one door to the data: choose a source and load tables (:func:`load_tables`), or sync
LL2 into a snapshot (:func:`fetch`). Notebooks, the dashboard and the CLI all come through here.

A thin door: choosing the source and the fallbacks are here; HTTP is
:mod:`spacedata.transport`'s, paging :mod:`spacedata.paging`'s, and the quota (plans, waiting,
what fits) :mod:`spacedata.quota`'s."""

from __future__ import annotations

import logging
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from . import _pages, config, quota
from . import endpoints as _endpoints
from .client import LL2Client
from .endpoints import DEFAULT_ENDPOINTS, ENDPOINTS
from .errors import (
    FetchError,
    IncompleteError,
    NetworkError,
    NotCachedError,
    SnapshotError,
    SnapshotWriteError,
    SourceWarning,
    SpacedataError,
)
from .provenance import Provenance
from .snapshot import (
    Snapshot,
    bundled_snapshot,
    default_snapshot_dir,
    is_snapshot,
    latest_snapshot,
    read_snapshot,
)
from .tidy import EndpointData, Tables, assemble

log = logging.getLogger("spacedata")

#: Where records can come from; anything else is a snapshot directory.
SOURCES = ("auto", "live", "snapshot", "local", "bundled")
#: What a live load reads unless ``endpoints=`` says otherwise. Both endpoints together cost
#: about 18 calls, more than the 15 an hour LL2 allows without a key, and a load cannot wait:
#: ``spacedata fetch`` (:func:`fetch`) reads them all, waiting if it must.
LIVE_ENDPOINTS = ("spacecraft",)

Report = quota.Report

#: Seconds ``source="auto"`` gives LL2 before it turns to the local data: the first request
#: that goes to the network (name lookup, connect, the whole answer) gets this long, and no
#: retries.
AUTO_DEADLINE_S = 5.0
#: Seconds ``source="auto"`` then stays off the network (per API root) after LL2 could not be
#: reached; any live load that succeeds ends it sooner.
AUTO_RETRY_AFTER_S = 300.0
#: API root -> (time.monotonic() until which "auto" stays off the network, the reason, when).
_unreachable: dict[str, tuple[float, str, float]] = {}


def load_tables(
    source: str | os.PathLike = "auto",
    *,
    snapshot: str | os.PathLike | None = None,
    params: dict[str, Any] | None = None,
    client: LL2Client | None = None,
    refresh: bool = False,
    check_quota: bool = False,
    endpoints: Iterable[str] | str | None = None,
) -> Tables:
    """Load the normalised tables: the spacecraft tables and ``flights``.

    Args:
        source: where the records come from:

            * ``"auto"``: ``SPACEDATA_SNAPSHOT`` if set; else the live API through the HTTP
              cache (**this may spend API quota**: up to 7 of 15 calls an hour for the
              spacecraft); if that fails, ``"local"``, with a one-line :class:`SourceWarning`
              saying why and what was loaded. When LL2 cannot be reached it gives up within
              ``AUTO_DEADLINE_S`` (5 s) and later ``"auto"`` loads skip the network for
              ``AUTO_RETRY_AFTER_S`` (5 minutes; a successful live load ends that).
              ``SPACEDATA_OFFLINE=1`` keeps it off the network altogether.
            * ``"live"``: the API through the cache (offline mode reads the cache only).
            * ``"snapshot"``: ``snapshot=PATH``, else ``SPACEDATA_SNAPSHOT``, else the latest
              snapshot written by ``spacedata fetch``.
            * ``"local"``: the latest fetched snapshot if there is one, else the bundled
              sample; never the network. The command line's default.
            * ``"bundled"``: the sample shipped with the package (real dev-host data, partial:
              20 spacecraft records of about 603 and a 38-flight listing).
            * a path (absolute or relative, e.g. ``"my-snapshot"``): that snapshot directory.
            * a published directory's URL (``https://...``, ``s3://...``; see
              ``spacedata publish``): its newest release, verified (:mod:`spacedata.remote`).
        snapshot: a snapshot directory; implies ``source="snapshot"``.
        params: filters for live loads: ``{"in_space": True}`` (each to the endpoints that
            document it) or by endpoint, ``{"spacecraft_flights": {"spacecraft": 42}}``.
        client: an :class:`LL2Client` to use (default: one built from the environment).
        refresh: live loads ignore fresh cache entries.
        check_quota: live loads first read ``/api-throttle/`` and raise :class:`QuotaError` if
            the whole load cannot fit in the calls left.
        endpoints: what live loads read (default ``LIVE_ENDPOINTS``: the spacecraft only, since
            the flights would take the load past the free hourly quota); snapshots hold what
            they hold.

    An endpoint the source does not hold gives empty typed tables, and ``Tables.notes`` (and
    the frame's ``.attrs["note"]``) says so. Every frame's ``.attrs`` carries the provenance of
    its endpoint (source, fetched_at, count, complete, stale_since; ``endpoint``);
    :func:`spacedata.provenance_of` reads it back. Records that cannot be used at all are in
    ``Tables.rejected``, never dropped silently. What each column of each table means, its
    dtype, unit and LL2 field: :func:`spacedata.data_dictionary`.
    """
    if snapshot is not None:
        return _from_snapshot(lambda: _read(snapshot))
    if _is_url(source):
        return _from_snapshot(lambda: _read(source))
    if isinstance(source, os.PathLike) or source not in SOURCES:
        if isinstance(source, os.PathLike) or Path(source).expanduser().is_dir() or "/" in source:
            return _from_snapshot(lambda: read_snapshot(source))
        raise ValueError(
            f"source={source!r}: use one of {SOURCES} or an existing snapshot directory "
            f"(no directory {Path(source).resolve()})."
        )
    if source in ("auto", "snapshot") and config.snapshot_override():
        return _from_snapshot(lambda: _read(config.snapshot_override()))
    if source == "bundled":
        return _from_snapshot(bundled_snapshot)
    if source == "local":
        return _from_snapshot(lambda: latest_snapshot() or bundled_snapshot())
    if source == "snapshot":
        if not is_snapshot(default_snapshot_dir()):
            raise SnapshotError(
                "No fetched snapshot yet: run `spacedata fetch` (Python: spacedata.fetch()), "
                'name one (snapshot=PATH), or use the bundled sample (source="bundled").'
            )
        return _from_snapshot(lambda: read_snapshot(default_snapshot_dir()))
    root = client.base_url if client else config.split_credentials(config.base_url())[0]
    if source == "auto":
        held = _unreachable.get(root)
        if (
            held
            and time.monotonic() < held[0]
            and not (client.offline if client else config.offline())
        ):
            now = time.monotonic()
            return _fall_back(
                f"LL2 unreachable {now - held[2]:.0f} s ago ({held[1]}; next try in "
                f"{held[0] - now:.0f} s)"
            )
    try:
        tables = _from_live(client, params, refresh, check_quota, endpoints, probe=source == "auto")
    except FetchError as exc:
        if source == "live":
            raise
        if isinstance(exc, NetworkError):
            why = getattr(exc, "reason", "unreachable")
            now = time.monotonic()
            _unreachable[root] = (now + AUTO_RETRY_AFTER_S, why, now)
            return _fall_back(f"LL2 unreachable ({why})", str(exc))
        if isinstance(exc, NotCachedError):
            return _fall_back("SPACEDATA_OFFLINE is on and LL2's pages are not cached", str(exc))
        first = re.split(r"(?<=\.)\s", " ".join(str(exc).split()))[0].rstrip(".")
        return _fall_back(f"LL2 live load failed: {config.redact(first)}", str(exc))
    _unreachable.pop(root, None)
    return tables


def _fall_back(why: str, detail: str = "") -> Tables:
    """The ``"local"`` tables for ``"auto"``, with one :class:`SourceWarning` line (under 300
    characters) saying ``why``, what was loaded and how to skip the network; ``detail`` (the
    whole error) goes to the log (INFO)."""
    if detail:
        log.info('source="auto" fell back: %s', config.redact(detail))
    snap = latest_snapshot()
    fallback = snap or bundled_snapshot()
    tables = _from_snapshot(fallback)
    prov = tables.provenance
    what = "your latest fetched snapshot" if snap else "the bundled sample"
    shown = prov.records if prov.records is not None else "?"
    of = f"{shown} of ~{prov.count}" if prov.count and not prov.complete else f"{shown}"
    when = f", {prov.fetched_at:%Y-%m-%d}" if prov.fetched_at else ""
    choice = "source='local'" if snap else "source='bundled'"
    rest = (
        f"; loaded {what} ({of} spacecraft{when}). For no network wait: {choice} or "
        "SPACEDATA_OFFLINE=1."
    )
    room = 299 - len(rest)
    why = why if len(why) <= room else why[: room - 3] + "..."
    warnings.warn(why + rest, SourceWarning, stacklevel=4)
    return tables


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

    The columns and dtypes are ``tidy.WIDE_DTYPES`` (the ``wide`` table of
    :func:`spacedata.data_dictionary`). The default source, ``"auto"``, tries the live API
    first and **may spend API quota** (up to 7 of LL2's 15 free calls an hour); use
    ``"local"`` or ``"bundled"`` to stay off the network.

    Args:
        source: ``"auto"``, ``"live"``, ``"snapshot"``, ``"local"``, ``"bundled"`` or a
            snapshot directory, as :func:`load_tables` takes it.
        snapshot: a snapshot directory; implies ``source="snapshot"``.
        params: filters for live loads, e.g. ``{"in_space": True}``.
        client: an :class:`LL2Client` to use (default: one built from the environment).
        refresh: live loads ignore fresh cache entries (and so spend quota again).
        check_quota: live loads first read ``/api-throttle/`` (free) and raise
            :class:`QuotaError` if the load cannot fit in the calls left.
    """
    return load_tables(
        source,
        snapshot=snapshot,
        params=params,
        client=client,
        refresh=refresh,
        check_quota=check_quota,
    ).wide()


def load_flights(
    source: str | os.PathLike = "auto",
    *,
    snapshot: str | os.PathLike | None = None,
    params: dict[str, Any] | None = None,
    client: LL2Client | None = None,
    refresh: bool = False,
    check_quota: bool = False,
) -> pd.DataFrame:
    """One row per spacecraft flight, with the spacecraft's configuration and agency names
    joined in (``tidy.FLIGHTS_WIDE_DTYPES``: the ``flights_wide`` table of
    :func:`spacedata.data_dictionary`); its ``.attrs`` describe the flights endpoint.

    The default source, ``"auto"``, tries the live API first and **may spend API quota**:
    live loads read both endpoints, about 18 calls, more than LL2's free 15 an hour, so
    ``"auto"`` usually spends what is left and then falls back to your latest snapshot. Fetch
    one with ``spacedata fetch --wait`` and load it with ``"local"``, which never uses the
    network. A source without flights (the bundled sample, snapshots of earlier releases)
    gives an empty typed frame whose ``.attrs["note"]`` says why.

    Args:
        source: ``"auto"``, ``"live"``, ``"snapshot"``, ``"local"``, ``"bundled"`` or a
            snapshot directory, as :func:`load_tables` takes it.
        snapshot: a snapshot directory; implies ``source="snapshot"``.
        params: filters for live loads, e.g. ``{"spacecraft_flights": {"spacecraft": 42}}``.
        client: an :class:`LL2Client` to use (default: one built from the environment).
        refresh: live loads ignore fresh cache entries (and so spend quota again).
        check_quota: live loads first read ``/api-throttle/`` (free) and raise
            :class:`QuotaError` if the load cannot fit in the calls left.
    """
    return load_tables(
        source,
        snapshot=snapshot,
        params=params,
        client=client,
        refresh=refresh,
        check_quota=check_quota,
        endpoints=DEFAULT_ENDPOINTS,
    ).flights_wide()


def fetch(
    out: str | os.PathLike | None = None,
    *,
    endpoints: Iterable[str] | str | None = None,
    params: dict[str, Any] | None = None,
    client: LL2Client | None = None,
    refresh: bool = False,
    check_quota: bool = True,
    allow_partial: bool = False,
    wait: bool = False,
    sleep: Callable[[float], None] | None = None,
    report: Report | None = None,
) -> Snapshot:
    """Sync every page of ``endpoints`` from LL2 into one snapshot at ``out``.

    The snapshot at ``out`` (default: the user data dir, which ``source="snapshot"`` reads) is
    replaced only when every endpoint's sync is complete and verified, in one atomic step.

    This **spends API quota** (about 18 calls for both endpoints; cache hits are free), unlike
    the loaders' ``"local"`` and ``"bundled"`` sources. There is no ``"auto"`` here: a fetch
    always reads LL2, through the cache.

    With ``check_quota`` (the default), ``/api-throttle/`` is read first, then page 1 of each
    endpoint, which gives its ``count`` and is kept as page 1 (never paid twice); the plan
    (``needs 18 calls; 15 left now; the other 3 after about 14:05 UTC``) goes to ``report``.
    Then the pages the quota allows are read. If that is not all of them: with ``wait``, sleep
    until LL2 allows more calls (a countdown goes to ``report``), and go on from where the sync
    stopped; without, raise :class:`QuotaExhaustedError` saying when to run again. Pages read
    are cached, so running again pays only for the rest.

    Args:
        out: snapshot directory.
        endpoints: names (``"spacecraft,spacecraft_flights"`` or a list); default
            ``spacedata.endpoints.DEFAULT_ENDPOINTS`` (both).
        params: filters, as :func:`load_tables` takes them.
        client: an :class:`LL2Client` to use (default: one built from the environment).
        refresh: ignore fresh cache entries (pages read in this call are not read twice).
        check_quota: plan within the quota as above; False reads on until done or a 429.
        allow_partial: keep an incomplete result anyway, in ``<out>.partial`` (never over
            ``out``).
        wait: sleep through quota windows (and 429s) instead of stopping.
        sleep: the sleep function (default :func:`time.sleep`); tests pass one that moves a
            clock instead.
        report: ``report(kind, text)`` receives ``"plan"``, ``"wait-start"``, ``"wait"`` (each
            second of a countdown), ``"resume"``; default: logged at INFO.

    Raises:
        QuotaExhaustedError: the quota ran out first and ``wait`` is off; ``.resume_at`` says
            when to run again. Nothing was replaced.
        IncompleteError: the sync finished but is not complete (records moved, ``next``
            stopped early, ids repeated...); nothing was replaced. Fetching again re-reads the
            pages involved.
        RateLimitError, ApiError, NetworkError, NotCachedError: the sync stopped early;
            nothing was replaced.
        SnapshotWriteError: the snapshot could not be written (disk full, read-only); the
            message names the directory. Nothing was replaced.
        ValueError: an unknown endpoint or parameter; nothing was requested.
    """
    from .snapshot_writer import partial_path

    names = _endpoints.names(endpoints)
    out = Path(out).expanduser() if out is not None else default_snapshot_dir()
    own = client is None
    client = client or LL2Client()
    try:
        sync = client.sync(names, params, refresh=refresh)
        try:
            result = quota.drive(
                sync,
                client.throttle,
                budgeted=check_quota and not client.offline,
                wait=wait,
                sleep=sleep or _sleep,
                report=report or _log_report,
                refresh=refresh,
                out=out,
            )
        except FetchError as exc:
            if allow_partial and isinstance(exc.partial, quota.SyncResult) and exc.partial.pages:
                _write(exc.partial, out, allow_partial=True)
                exc.args = (f"{exc} The partial result was kept in {partial_path(out)}.",)
            raise
    finally:
        if own:
            client.close()
    if result.complete:
        return _write(result, out)
    kept = ""
    if allow_partial:
        _write(result, out, allow_partial=True)
        kept = f" The partial result was kept in {partial_path(out)}."
    raise IncompleteError(
        f"The sync is incomplete ({'; '.join(result.problems)}); {out} was not replaced.{kept} "
        "Run `spacedata fetch` again (the pages involved are re-read from LL2), or keep what "
        "arrived with --allow-partial.",
        partial=result,
    )


def _write(result: quota.SyncResult, out: Path, allow_partial: bool = False) -> Snapshot:
    """``write_snapshot``, with a write failure (disk full, read-only) as one line that names
    the directory and says nothing was replaced."""
    from .snapshot_writer import partial_path, write_snapshot

    try:
        return write_snapshot(result, out, allow_partial=allow_partial)
    except OSError as exc:
        where = partial_path(out) if allow_partial else out
        what = exc.strerror or str(exc)
        raise SnapshotWriteError(
            f"Could not write the snapshot in {where} ({what}); nothing was replaced: "
            f"{'the complete snapshot at ' + str(out) if allow_partial else 'the last good snapshot there'} "
            "is unchanged, and the pages read are cached. Free disk space (or choose another "
            "--out) and run `spacedata fetch` again."
        ) from None


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _log_report(kind: str, text: str) -> None:
    if kind != "wait":
        log.info(text)


def best_available(
    *,
    quick_s: float = 3.0,
    client: LL2Client | None = None,
    endpoints: Iterable[str] | str | None = None,
    problems: list[str] | None = None,
) -> tuple[Tables, str]:
    """The best data that can be had now, for a server that must start: ``SPACEDATA_SNAPSHOT``;
    else the latest fetched snapshot; else (unless ``SPACEDATA_OFFLINE`` is set), if LL2 answers ``/api-throttle/`` within ``quick_s``
    seconds and the quota allows it, a fresh :func:`fetch` of ``endpoints`` (default: both;
    the spacecraft alone when only they fit), saved as the latest snapshot; else the bundled
    sample. Never raises for a network or quota problem, and never starts a sync that the quota
    cannot finish.

    A snapshot that cannot be used (it fails verification: a page changed or damaged, a
    manifest that does not parse, files missing) is skipped: the reason is logged in one line
    (a warning) and the next source in that order is tried.

    Args:
        problems: if given, receives one plain sentence per snapshot skipped, in the order
            tried (paths shortened to the file inside the snapshot; no advice to operators),
            for a page to show.

    Returns:
        The tables, and one sentence saying which source was chosen and why.
    """
    problems = [] if problems is None else problems
    override = config.snapshot_override()
    if override is not None:
        what = "the snapshot named by SPACEDATA_SNAPSHOT"
        tables = _usable(lambda: _read(override), what, override, problems)
        if tables is not None:
            return tables, f"{what} ({override})"
    latest = default_snapshot_dir()
    if is_snapshot(latest):
        tables = _usable(
            lambda: read_snapshot(latest), "your latest fetched snapshot", latest, problems
        )
        if tables is not None:
            return tables, f"your latest fetched snapshot ({latest})"
    if config.offline():  # the operator's choice, not a network fault: no probe, and say so
        return _bundled("offline: SPACEDATA_OFFLINE is set")
    probe = LL2Client(
        client.base_url if client else None, timeout=(quick_s, quick_s), deadline=quick_s, retries=0
    )
    try:
        throttle = probe.throttle()  # free, and fails fast when LL2 cannot be reached
    except FetchError as exc:
        log.info("LL2 did not answer the start-up probe: %s", exc)
        what = "timed out" if "timed out" in str(exc) else "could not be reached"
        return _bundled(f"offline: LL2 {what} within {quick_s:g} s")
    finally:
        probe.close()
    names = _endpoints.names(endpoints)
    chosen, why = quota.fitting(names, throttle)
    if not chosen:
        return _bundled(f"LL2 could not be synced now: {why}")
    try:
        fresh = fetch(client=client, endpoints=chosen, check_quota=True)
    except SpacedataError as exc:
        return _bundled(f"LL2 could not be synced now ({exc})")
    only = "" if chosen == names else f" ({', '.join(chosen)} only: the quota left too few calls)"
    return (
        _from_snapshot(fresh),
        f"a fresh sync of LL2 just now{only}, saved to {fresh.location}",
    )


def _usable(
    read: Callable[[], Snapshot], what: str, where: str | os.PathLike, problems: list[str]
) -> Tables | None:
    """The tables of the snapshot ``read()`` gives, or None when it cannot be used (then
    :func:`unusable` logs why and its sentence goes to ``problems``)."""
    try:
        return _from_snapshot(read)
    except Exception as exc:  # noqa: BLE001 - any failure to read a snapshot: try the next source
        problems.append(unusable(exc, what, where))
        return None


def unusable(exc: BaseException, what: str, where: str | os.PathLike) -> str:
    """Why the source ``what`` (e.g. "the snapshot named by SPACEDATA_SNAPSHOT", at ``where``)
    could not be used: logged as one warning line (the whole reason, paths included, credentials
    redacted), and returned as one sentence for a page (paths inside the snapshot shortened to
    the file in it, others to their last part; no advice to operators, the log has it)."""
    kind = "failed verification" if isinstance(exc, SnapshotError) else "could not be read"
    if _is_url(str(where)) and "does not match" not in str(exc):
        kind = "could not be read"  # a published URL: missing, unreachable, late
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, SnapshotError):
        reason = f"{type(exc).__name__}: {reason}"
    log.warning("%s (%s) %s, trying the next source: %s", what, where, kind, config.redact(reason))
    return f"{what[0].upper()}{what[1:]} {kind} and was not used: {_shorten(reason, where)}"


_ADVICE = re.compile(
    r"\s*(Fetch the snapshot again|Write a new snapshot|Create one with|Run `spacedata|Publish it "
    r"again)[^.]*\.?"
)
_PATH = re.compile(r"(?<![\w.])/[^\s:;,()'\"]+")


def _shorten(reason: str, where: str | os.PathLike) -> str:
    """A snapshot's failure for a page: paths inside the snapshot relative to it (its
    version directory too), others by their last part; what to run is the operator's (the log
    has it)."""
    root = Path(where).expanduser()
    try:
        root = root.resolve()
    except OSError:
        pass

    def short(match: re.Match) -> str:
        path = Path(match.group(0))
        for base in (root, Path(where).expanduser()):
            try:
                rel = path.relative_to(base)
            except ValueError:
                continue
            parts = rel.parts
            if len(parts) >= 2 and parts[0] == "versions":  # a store: the version's own files
                parts = parts[2:]
            return "/".join(parts) or path.name
        return path.name

    text = _ADVICE.sub("", config.redact(reason)).strip()
    if _is_url(str(where)):  # a published URL: its files are named by their URLs
        return text.rstrip(" ;.") + "."
    return _PATH.sub(short, text).rstrip(" ;.") + "."


def _is_url(source: object) -> bool:
    from .remote import is_url

    return is_url(source)


def _read(where: str | os.PathLike) -> Snapshot:
    """The snapshot at ``where``: a directory, or a published directory's URL (http(s) or
    fsspec: :func:`spacedata.remote.read_published`)."""
    if _is_url(where):
        from .remote import read_published

        return read_published(str(where))
    return read_snapshot(where)


def _bundled(why: str) -> tuple[Tables, str]:
    return _from_snapshot(
        bundled_snapshot
    ), f"the bundled sample (20 spacecraft records, 38 flights); {why}"


def _from_snapshot(snap: Snapshot | Callable[[], Snapshot]) -> Tables:
    """The tables of a snapshot (given, or read by the callable). Reading and tidying run with
    the cyclic GC paused, and the raw pages are dropped before it resumes: otherwise its first
    collection scans every JSON object of every page once more (about a fifth of a load)."""
    with _pages.gc_paused():
        if callable(snap):
            snap = snap()
        tables = _tables_of(snap)
        del snap
    return tables


def _tables_of(snap: Snapshot) -> Tables:
    parts = {}
    for name, ep in ENDPOINTS.items():
        if snap.has(name):
            parts[name] = EndpointData(
                snap.records(name), snap.provenance_for(name), snap.manifest.part(name).params
            )
        else:
            parts[name] = EndpointData(
                None,
                _absent(snap.provenance.source, str(snap.location)),
                note=(
                    f"This snapshot holds no {ep.label} (written before spacedata fetched "
                    f"them, or fetched without them), so the {'/'.join(ep.tables)} table is "
                    "empty. `spacedata fetch` reads them too."
                ),
            )
    return assemble(parts)


def _absent(source: str, location: str) -> Provenance:
    return Provenance(
        source=source, fetched_at=None, count=None, records=0, complete=False, location=location
    )


def _from_live(
    client: LL2Client | None,
    params: Mapping[str, Any] | None,
    refresh: bool,
    check_quota: bool,
    endpoints: Iterable[str] | str | None,
    probe: bool = False,
) -> Tables:
    names = _endpoints.names(endpoints if endpoints is not None else LIVE_ENDPOINTS)
    own = client is None
    client = client or LL2Client()
    if probe:
        client.session.probe_first(AUTO_DEADLINE_S)
    try:
        sync = client.sync(names, params, refresh=refresh)
        if check_quota:
            client.check_quota(sum(quota.estimate(names).values()))
        result = sync.run()
    finally:
        if own:
            client.close()
    parts = {}
    for name, ep in ENDPOINTS.items():
        r = result.results.get(name)
        if r is None:
            parts[name] = EndpointData(
                None,
                _absent(result.source, client.url_for(name)),
                note=(
                    f"This live load read {', '.join(names)} only, so the {'/'.join(ep.tables)} "
                    f"table is empty: pass endpoints=[..., {name!r}], or fetch a snapshot with "
                    "`spacedata fetch` (it reads every endpoint, waiting for the quota if asked)."
                ),
            )
            continue
        prov = Provenance(
            source=r.source,
            fetched_at=r.fetched_at,
            count=r.count,
            records=len(r.records),
            complete=r.complete,
            location=r.endpoint,
            stale_since=r.stale_since,
        )
        parts[name] = EndpointData(r.records, prov, r.params)
    return assemble(parts)
