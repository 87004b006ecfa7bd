"""A headless load client for the served dashboard: N concurrent Bokeh client sessions.

Each session is opened with ``bokeh.client.pull_session`` (a websocket, the same protocol a
browser speaks), so the server builds a real session for it without 50 Chromium windows on two
cores. Figures are measured on the server process (and its ``--num-procs`` children) with
psutil: CPU seconds and resident memory before, with all sessions open, and after they close.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import panel.models
import psutil
from bokeh.client import pull_session
from bokeh.events import DocumentReady

import spacedata
import spacedata.dashboard.page  # noqa: E402,F401 - our own widget models
from tests.browser import SAFE_ENV, DashboardServer

#: The load tests and benchmarks serve the bundled sample, offline, with no scheduled refresh.
BUNDLED_ENV = {**SAFE_ENV, "SPACEDATA_DASHBOARD_SOURCE": "bundled", "SPACEDATA_REFRESH": "off"}

# A client must know every model type the server sends (Panel's Location, Plotly, Tabulator...).
for _mod in pkgutil.iter_modules(panel.models.__path__):
    try:
        importlib.import_module(f"panel.models.{_mod.name}")
    except Exception:  # noqa: BLE001,S112 - optional models whose extras are absent
        continue


@dataclass
class LoadReport:
    sessions: int
    errors: list[str]
    ready_s: list[float]  # per session: connect -> document pulled (the server built it)
    cpu_s: float  # server CPU seconds spent opening all sessions
    rss_idle_mb: float
    rss_open_mb: float
    rss_closed_mb: float  # after every session closed and the server dropped them

    @property
    def p50(self) -> float:
        return statistics.median(self.ready_s) if self.ready_s else float("nan")

    @property
    def p95(self) -> float:
        s = sorted(self.ready_s)
        return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))] if s else float("nan")

    @property
    def mb_per_session(self) -> float:
        return (self.rss_open_mb - self.rss_idle_mb) / max(self.sessions, 1)

    def lines(self) -> list[str]:
        return [
            f"{self.sessions} sessions, {len(self.errors)} errors",
            f"session ready p50 {self.p50 * 1000:.0f} ms, p95 {self.p95 * 1000:.0f} ms",
            f"server CPU {self.cpu_s / max(self.sessions, 1) * 1000:.0f} ms per session",
            f"server RSS idle {self.rss_idle_mb:.0f} MB, with all open {self.rss_open_mb:.0f} MB "
            f"({self.mb_per_session:.2f} MB per session), after close {self.rss_closed_mb:.0f} MB",
        ]


def _tree(pid: int) -> list[psutil.Process]:
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def _rss_mb(pid: int) -> float:
    return sum(p.memory_info().rss for p in _tree(pid)) / 1e6


def _cpu_s(pid: int) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in _tree(pid))


def _models(document) -> int:
    for _ in range(20):
        try:
            return len(list(document.models))
        except RuntimeError:  # the model set changed while it was read
            time.sleep(0.005)
    return 0


def _charts(document) -> int:
    return sum(type(m).__name__ == "PlotlyPlot" for m in list(document.models))


def _receive(session, until, timeout_s: float) -> bool:
    """Run the client's IO loop, applying the server's patches, until ``until()`` or
    ``timeout_s``; whether ``until()`` holds.

    A Bokeh client session applies the server's patches only while its loop runs, and drops
    those that arrive while it waits for the reply to a request (``force_roundtrip``), so the
    onload work (patches after document ready) is received here, on Bokeh's private loop
    (``ClientConnection._loop_until``)."""
    conn = session._connection
    handle = conn._loop.call_later(timeout_s, conn._loop.stop)
    try:
        conn._loop_until(until)
    finally:
        conn._loop.remove_timeout(handle)
    return until()


def _ready(session) -> None:
    """Send the browser's "document ready" event, as a drawn page does (Panel then runs its
    onload callbacks)."""
    session.document.callbacks.send_event(DocumentReady())


#: The places a desktop's screen reports shown at load (Chromium at 1400x1000): the sidebar's
#: filters and the first of the lower charts' (four charts). A phone's first screen: none.
DESKTOP = ("sd-filters-place", "sd-chart-place")


def _place(session, css_class: str):
    """The first place of ``css_class`` in the session's document not yet reported shown."""
    for m in list(session.document.models):
        if css_class in (getattr(m, "css_classes", None) or []) and not m.data.shown:
            return m
    return None


def _reveal(session, places: tuple[str, ...], timeout_s: float = 120) -> bool:
    """Report the page's places of ``places`` (CSS classes, in turn) shown, as a browser does
    when they near its screen (:func:`spacedata.dashboard.page.when_shown`), each once the
    server has sent it; whether all were there."""
    for css_class in places:
        if not _receive(session, lambda c=css_class: _place(session, c) is not None, timeout_s):
            return False
        _place(session, css_class).data.shown = True
    return True


def full_page_models(url: str, settle_s: float = 3.0, reveal: tuple[str, ...] = ()) -> int:
    """How many models a session's document holds once the page is whole: document ready
    sent, the places of ``reveal`` reported shown (:func:`_reveal`) and ``settle_s`` of the
    server's patches received (what :func:`run_load` waits for)."""
    session = pull_session(url=url)
    try:
        _ready(session)
        _reveal(session, reveal)
        _receive(session, lambda: False, settle_s)
        return _models(session.document)
    finally:
        session.close()


def run_load(
    url: str,
    server_pid: int,
    sessions: int,
    settle_s: float = 1.0,
    close_wait_s: float = 20.0,
    document_ready: bool = True,
    models: int = 0,
    spread_s: float = 0.0,
    seed: int = 19,
    reveal: tuple[str, ...] = (),
) -> LoadReport:
    """Open ``sessions`` concurrent client sessions on ``url``, hold them, close them.

    ``document_ready``: after pulling the document, send the browser's "document ready" event,
    as a page does once drawn; a Bokeh Python client never sends it by itself, so without it
    ``pn.state.onload`` callbacks (what ``spacedata.dashboard.page.when_shown`` defers) never run
    and only the first part of the page is built. A session is *ready* once its document
    holds ``models`` models (:func:`full_page_models`: the whole page, the onload work
    included; 0: the pulled document and the server's acknowledgement of document ready):
    what a viewer waits for.

    ``reveal``: after document ready, report these places shown (:func:`_reveal`), as a
    viewer's screen does (none: a phone's first screen; :data:`DESKTOP`: a desktop's);
    ``models`` then counts the page with them.

    ``spread_s``: sessions arrive at random times, uniform over that many seconds (seeded by
    ``seed``, so two servers see the same arrivals), instead of all at once; each session's
    ready time is counted from its own arrival.
    """
    time.sleep(settle_s)
    rss_idle, cpu_before = _rss_mb(server_pid), _cpu_s(server_pid)
    errors: list[str] = []
    rng = random.Random(seed)
    arrivals = sorted(rng.uniform(0, spread_s) for _ in range(sessions)) if spread_s else None
    t0 = time.monotonic()

    def open_one(i: int):
        if arrivals:
            time.sleep(max(0.0, t0 + arrivals[i] - time.monotonic()))
        start = time.monotonic()
        try:
            session = pull_session(url=url)
            if not _charts(session.document):
                session.close()  # e.g. the error page of an app that raised
                raise RuntimeError("the session's document holds no chart")
            if document_ready:
                _ready(session)
                if reveal and not _reveal(session, reveal):
                    session.close()
                    raise RuntimeError(f"a place of {reveal} never arrived")
                if models:
                    whole = _receive(session, lambda: _models(session.document) >= models, 120)
                    if not whole:
                        session.close()
                        raise RuntimeError(
                            f"the page never became whole ({_models(session.document)} of "
                            f"{models} models)"
                        )
                else:
                    session.force_roundtrip()  # the server has received it
        except Exception as exc:  # noqa: BLE001 - every failure is a counted error
            errors.append(f"{type(exc).__name__}: {exc}")
            return None, None
        return session, time.monotonic() - start

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        opened = list(pool.map(open_one, range(sessions)))
    time.sleep(settle_s)  # onload callbacks run after the roundtrip's reply
    cpu_s = _cpu_s(server_pid) - cpu_before
    rss_open = _rss_mb(server_pid)
    ready = [t for _, t in opened if t is not None]
    for session, _ in opened:
        if session is not None:
            session.close()
    del opened
    gc.collect()
    # Panel/Bokeh drop a closed session's document after a short grace period; wait for RSS to
    # come back down (bounded).
    deadline = time.monotonic() + close_wait_s
    rss_closed = _rss_mb(server_pid)
    while time.monotonic() < deadline and rss_closed > rss_idle + 0.25 * (rss_open - rss_idle):
        time.sleep(0.5)
        rss_closed = _rss_mb(server_pid)
    return LoadReport(
        sessions=sessions,
        errors=errors,
        ready_s=ready,
        cpu_s=cpu_s,
        rss_idle_mb=rss_idle,
        rss_open_mb=rss_open,
        rss_closed_mb=rss_closed,
    )


class ServedSession:
    """Enough of a Bokeh server session for a document to count as served (what waits for
    the browser waits, components send their modules by URL), without a server."""

    id = "in-process-session"
    server_context = object()
    request = type("Request", (), {"arguments": {}, "headers": {}, "cookies": {}})()


def served_page(query=None, *, shared=None, onload: bool = True, validate_figures: bool = True):
    """The page one viewer gets (``build_app`` and the template's ``server_doc``), built
    in-process into a document that counts as served, from ``shared`` (default: the bundled
    sample); ``onload``: with the onload work Panel runs after "document ready". The document
    and the page."""
    import panel as pn
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    from spacedata.dashboard import SharedData, build_app, load_extensions

    load_extensions(sizing_mode="stretch_width")
    if shared is None:
        shared = SharedData(lambda refresh=False: spacedata.load_tables("bundled"))
    doc, session = Document(), ServedSession()
    doc._session_context = lambda: session
    with set_curdoc(doc):
        page = build_app(shared, dict(query or {}), validate_figures=validate_figures)
        page.server_doc(doc)
        if onload:
            pn.state._on_load(doc)
    return doc, page


class SpacedataServer(DashboardServer):
    """:class:`tests.browser.DashboardServer` pinned to the bundled sample with no refresh
    (:data:`BUNDLED_ENV`), so load figures measure the dashboard, not a sync."""

    def base_env(self) -> dict[str, str]:
        return BUNDLED_ENV
