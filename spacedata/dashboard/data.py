"""The dashboard's process-wide data: loaded once per server process, shared by every session,
and swapped whole by a scheduled refresh.

Thread safety: :class:`Loaded` is frozen and its frame is never modified after loading, so a
session that took ``shared.current`` keeps reading one consistent object. A refresh (in a worker
thread) builds a new :class:`Loaded`, success or failure, and publishes it with one reference
assignment; nothing shared is mutated in place.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import functools
import gc
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone

import pandas as pd

from .. import config
from ..provenance import Provenance

log = logging.getLogger("spacedata")

#: ``loader(refresh=False) -> Tables | (Tables, note) | (Tables, note, problem)``: where the
#: dashboard's data comes from; the optional note says which source was chosen and why, the
#: optional problem what could not be used first (both shown in the banner).
Loader = Callable[..., object]

#: How many rejected records "About this data" lists one by one (the rest are counted).
REJECTED_LISTED = 50


def _load(loader: Loader, refresh: bool, **extra) -> Loaded:
    got = loader(refresh=refresh)
    tables, note, problem = (*got, None, None)[:3] if isinstance(got, tuple) else (got, None, None)
    return Loaded(
        tables.wide(),
        tables.flights_wide(),
        note=note,
        changes=changes_since_previous(tables),
        problem=problem,
        rejected=tables.rejected,
        **extra,
    )


def changes_since_previous(tables) -> str | None:
    """What changed since the snapshot's previous version, in one line ("Since the previous
    snapshot (as of ...): spacecraft: 1 added, 2 changed; ..."), or None when the data is not
    from a snapshot store that kept one. Never raises: a diff that fails is logged and skipped."""
    from ..diffs import diff, summary
    from ..load import load_tables
    from ..snapshot import previous_version

    prov = tables.provenance
    if prov is None or prov.source in ("live", "cache"):
        return None
    try:
        where = previous_version(prov.location)
        if where is None:
            return None
        previous = load_tables(where)  # read once: diff compares the loaded tables
        line = summary(diff(previous, tables))
    except Exception as exc:  # noqa: BLE001 - a note, not the data: serve without it
        log.info("could not compare with the previous snapshot: %s", exc)
        return None
    return f"Since the previous snapshot ({previous.provenance.dated}): {line}."


@dataclasses.dataclass(frozen=True)
class Loaded:
    """One immutable state of the shared data.

    Attributes:
        frame: the wide spacecraft frame every session starts from (provenance in ``.attrs``).
            Shared by all sessions: treat it as read-only.
        flights: the wide flights frame (``Tables.flights_wide``; empty, with a provenance
            saying so, when the source holds no flights). Read-only too.
        refreshed_at: when a scheduled refresh produced ``frame`` (UTC); None for the first load.
        refresh_error: why the last scheduled refresh failed (plain text, shown escaped), or None
            after a success.
        note: which source was chosen and why (plain text), e.g. "the bundled sample;
            offline: LL2 could not be reached within 3 s".
        changes: what changed since the snapshot's previous version (plain text), or None.
        problem: what could not be used before this source (plain text: e.g. "The snapshot
            named by SPACEDATA_SNAPSHOT failed verification and was not used: pages/...:
            does not match its sha256..."), or None; the server log has the whole reason.
        rejected: the records the source gave that could not be used at all
            (``Tables.rejected``: endpoint, position, id, reason, raw); None or empty when
            every record loaded. Read-only.
    """

    frame: pd.DataFrame
    flights: pd.DataFrame
    refreshed_at: datetime | None = None
    refresh_error: str | None = None
    note: str | None = None
    changes: str | None = None
    problem: str | None = None
    rejected: pd.DataFrame | None = None

    @property
    def provenance(self) -> Provenance:
        return Provenance.from_attrs(self.frame.attrs)

    def rejected_text(self, flights: bool = False) -> tuple[str, tuple[str, ...]] | None:
        """The records of the spacecraft endpoint (``flights``: of the flights endpoint) that
        could not be used, for the provenance line: ``("8 records could not be used; they are
        in no count or chart (see About this data).", ("record 21: not an object (str)",
        ...))``, at most :data:`REJECTED_LISTED` detail lines (then one saying how many more);
        None when there are none."""
        if self.rejected is None or self.rejected.empty:
            return None
        endpoint = "spacecraft_flights" if flights else "spacecraft"
        rows = self.rejected[self.rejected["endpoint"] == endpoint]
        if rows.empty:
            return None
        n = len(rows)
        what = "flight records" if flights else "spacecraft records"
        summary = (
            f"{n:,} {what if n != 1 else what[:-1]} could not be used; "
            f"{'they are' if n != 1 else 'it is'} in no count or chart (see About this data)."
        )
        lines = []
        for pos, ident, reason in (
            rows[["position", "id", "reason"]].head(REJECTED_LISTED).itertuples(index=False)
        ):
            where = f"record {int(pos) + 1}" if pd.notna(pos) else "a record"
            if pd.notna(ident):
                where += f" (id {str(ident)[:40]})"
            lines.append(f"{where}: {reason}")
        if n > REJECTED_LISTED:
            lines.append(f"and {n - REJECTED_LISTED:,} more (Python: load_tables(...).rejected)")
        return summary, tuple(lines)


class SharedData:
    """The current :class:`Loaded` of a server process; :meth:`refresh` swaps in a new one."""

    def __init__(self, loader: Loader):
        self._loader = loader
        self._refreshing = threading.Lock()  # one refresh at a time; readers never lock
        self._current = _load(loader, refresh=False)

    @property
    def current(self) -> Loaded:
        """The latest state. Read it once per session and keep the object you got."""
        return self._current

    def refresh(self) -> Loaded:
        """Load again. On success publish the new data; on any failure publish the last good
        data with ``refresh_error`` saying why. Either way one reference swap."""
        if not self._refreshing.acquire(blocking=False):
            log.info("dashboard refresh skipped: the previous one is still running")
            return self._current
        try:
            before = self._current
            try:
                new = _load(self._loader, refresh=True, refreshed_at=datetime.now(timezone.utc))
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, keep serving
                log.warning("dashboard refresh failed, keeping the last good data: %s", exc)
                error = (
                    f"Refresh failed at {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
                    f"({type(exc).__name__}: {exc}); still showing the last good data "
                    f"({before.provenance.dated})."
                )
                new = dataclasses.replace(before, refresh_error=error)
            self._current = new
            return new
        finally:
            self._refreshing.release()


def loader_from_env() -> tuple[Loader, str | None]:
    """The dashboard's data source, from the environment.

    By default (``SPACEDATA_DASHBOARD_SOURCE`` unset or ``best``) the server starts on the best
    data it can have now (:func:`spacedata.load.best_available`): ``SPACEDATA_SNAPSHOT``; the
    latest snapshot from ``spacedata fetch``; a fresh sync if LL2 answers within a few seconds
    and the quota allows a whole sync; else the bundled sample. The banner says which and why.
    Unless a snapshot was named, it then re-syncs every ``SPACEDATA_REFRESH`` (default ``6h``)
    within the quota, keeping the last good data when that fails.

    ``SPACEDATA_DASHBOARD_SOURCE=bundled`` (or ``local``, ``snapshot``) serves that source with no
    network and no refresh; ``live``/``auto`` read LL2 through the cache as ``load_tables`` does.
    Returns ``(loader, refresh period or None)``.

    A source that cannot be used at start (a snapshot that fails verification, a store that
    is damaged) is never an error page: the server logs one line and serves the next source
    (by default, in the order above; with another ``SPACEDATA_DASHBOARD_SOURCE``, the bundled
    sample), and the loader's problem says what was wrong (shown in the banner).

    ``SPACEDATA_SNAPSHOT`` naming a published directory's URL (``spacedata publish``) serves
    its newest release, checks its ``latest.json`` every ``SPACEDATA_REFRESH`` (default ``10m``)
    and switches when it names a new version; it never calls LL2.
    """
    from ..client import LL2Client
    from ..load import best_available, fetch, load_tables

    snapshot = config.snapshot_override()
    source = config.dashboard_source()
    if isinstance(snapshot, str):  # a published URL: follow its latest.json, never LL2
        from ..remote import release_loader

        what = "the release published at SPACEDATA_SNAPSHOT"
        return _or_bundled(release_loader(snapshot), what, snapshot), config.refresh_period("10m")
    if source == "best":

        def best(refresh: bool = False):
            if not refresh:  # never raises for a damaged snapshot: the next source is served
                problems: list[str] = []
                tables, note = best_available(problems=problems)
                if snapshot is not None and not problems:
                    note = None  # the snapshot asked for: the provenance line names it
                return tables, note, " ".join(problems) or None
            snap = fetch(
                check_quota=True, refresh=True
            )  # fails when it cannot finish: last good stays
            return load_tables(snap.location), f"a scheduled sync of LL2, saved to {snap.location}"

        # a named snapshot is served as it is, never replaced by scheduled syncs
        return best, None if snapshot is not None else config.refresh_period("6h")
    if snapshot is not None:
        what = "the snapshot named by SPACEDATA_SNAPSHOT"
        return _or_bundled(
            lambda refresh=False: load_tables(snapshot=snapshot), what, snapshot
        ), None
    if source not in ("live", "auto"):
        what = "the bundled sample" if source == "bundled" else f"the {source} source"
        return _or_bundled(lambda refresh=False: load_tables(source), what, source), None

    def load(refresh: bool = False):
        with LL2Client(progress=False) as client:  # scheduled refreshes check the quota first
            return load_tables(source, client=client, refresh=refresh, check_quota=refresh)

    return _or_bundled(load, f"the {source} source", source), config.refresh_period("6h")


def _or_bundled(load: Loader, what: str, where: object) -> Loader:
    """``load``, but a first load that fails (a damaged snapshot...) serves the bundled sample
    instead, with the reason logged in one line and shown in the banner. A refresh that fails
    still raises: :meth:`SharedData.refresh` keeps the last good data then."""
    from ..load import unusable
    from ..snapshot import bundled_snapshot

    def loader(refresh: bool = False):
        try:
            return load(refresh=refresh)
        except Exception as exc:  # noqa: BLE001 - whatever it was, serve something
            if refresh or what == "the bundled sample":
                raise
            problem = unusable(exc, what, where)
        from ..load import load_tables

        where_to = bundled_snapshot().location
        return load_tables("bundled"), f"the bundled sample ({where_to})", problem

    return loader


def shared_data(loader: Loader, refresh_period: str | None = None) -> SharedData:
    """The process-wide :class:`SharedData`, built on the first call (``pn.state.as_cached``).

    ``refresh_period`` such as ``"6h"`` schedules :meth:`SharedData.refresh` in a worker thread
    with ``pn.state.schedule_task`` (once per process: the task name is fixed); None or
    ``"off"`` never refreshes.
    """
    import panel as pn

    def build() -> SharedData:
        data = SharedData(loader)
        if refresh_period and refresh_period != "off":
            # Scheduled once, with the data (not once per session). The first refresh comes one
            # period after start (the start itself just loaded), each in its own thread so the
            # server keeps serving while LL2 is read.
            first = datetime.now() + pd.Timedelta(refresh_period).to_pytimedelta()  # noqa: DTZ005
            pn.state.schedule_task(
                "spacedata-refresh",
                lambda: threading.Thread(target=data.refresh, name="spacedata-refresh").start(),
                period=refresh_period,
                at=first,
            )
        return data

    return pn.state.as_cached("spacedata-shared-data", build)


#: While serving, a full (oldest-generation) garbage collection runs after this many
#: middle-generation ones rather than CPython's 10 (:func:`tune_gc_for_serving`).
SERVING_FULL_GC_EVERY = 1000
_gc_tuned = False


def tune_gc_for_serving() -> bool:
    """Make the server process's garbage collector (and Bokeh's callback checks) cheap per
    session, once per process (:func:`~spacedata.dashboard.app.app` calls it in a server
    session); whether it did now.

    A session builds tens of thousands of long-lived objects (Panel components, Bokeh models,
    param watchers), so CPython's automatic full collections came every second or third
    session and each walked every live object, the loaded data and all modules included: with
    20 sessions opening at once, 100-120 ms of collection per session (of ~320 ms of server
    CPU; ``gc.callbacks`` timed it). So: what is loaded by now (modules, the shared data) is
    moved out of the collector's sight (``gc.freeze``: never scanned, never freed by it; a
    refresh's new data is not frozen and is freed as usual), and a full collection comes only
    after :data:`SERVING_FULL_GC_EVERY` middle-generation ones. Closed sessions' cycles are
    still freed promptly: :func:`release_memory_later` runs a full collection after a burst
    of sessions closed. The young generations keep CPython's thresholds."""
    global _gc_tuned
    if _gc_tuned:
        return False
    _gc_tuned = True
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, SERVING_FULL_GC_EVERY)
    # Bokeh's documented switch for its "expensive error diagnostics": checking the signature
    # of each of the ~230 property callbacks Panel registers per session (inspect.signature),
    # and close-match suggestions for a misspelt attribute. The dashboard's callbacks are
    # Panel's own; ~10 ms a session (4%, interleaved in-process builds)
    from bokeh.settings import settings

    settings.perform_error_diagnostics.set_value(False)
    # and BOKEH_VALIDATE_DOC: Bokeh's checks of every model of each new session's document
    # (developer warnings such as an empty layout, logged, never shown): ~6-12 ms a session;
    # the tests build every page with them on
    settings.perform_document_validation.set_value(False)
    return True


#: Seconds after the last session closed before freed memory goes back to the OS.
RELEASE_DELAY_S = 2.0
_release = None  # the pending release (a tornado timeout handle), on the server's event loop


def release_memory_later(session_context) -> None:  # noqa: ARG001 - Bokeh's signature
    """Give the memory of closed sessions back to the operating system, once, shortly after
    the last of a burst closed (``pn.state.on_session_destroyed``).

    glibc keeps freed heap for reuse, so a server's RSS would stay at the peak of a burst of
    viewers long after they left: a full garbage collection then glibc's ``malloc_trim(0)``
    hands the free pages back. CPython's own small-object allocator (pymalloc) keeps arenas
    that still hold one live object, so most of a session's memory comes back only when the
    server runs with ``PYTHONMALLOC=malloc`` (README, "Dashboard": measured in
    ``benchmarks/bench_sessions.py``); without it the memory is reused by the next sessions.
    Runs on the server's event loop; without glibc it only collects.
    """
    global _release
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()
    if _release is not None:
        loop.remove_timeout(_release)
    _release = loop.call_later(RELEASE_DELAY_S, _release_now)


def _release_now() -> None:
    global _release
    _release = None
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (looked up once: ``find_library`` runs a program)."""
    libc = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(libc).malloc_trim if libc else None
    except (OSError, AttributeError):  # not glibc
        return None
