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
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import panel.models
import psutil
from bokeh.client import pull_session
from bokeh.events import DocumentReady

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


def run_load(
    url: str,
    server_pid: int,
    sessions: int,
    settle_s: float = 1.0,
    close_wait_s: float = 20.0,
    document_ready: bool = True,
) -> LoadReport:
    """Open ``sessions`` concurrent client sessions on ``url``, hold them, close them.

    ``document_ready``: after pulling the document, send the browser's "document ready" event
    and wait for the server to acknowledge it, as a page does once drawn; a Bokeh Python client
    never sends it by itself, so without it ``pn.state.onload`` callbacks (what
    ``spacedata.dashboard.after_load`` defers: the filters, the lower charts, the table) never
    run and only the above-the-fold page is built.
    """
    time.sleep(settle_s)
    rss_idle, cpu_before = _rss_mb(server_pid), _cpu_s(server_pid)
    errors: list[str] = []

    def open_one(_: int):
        start = time.monotonic()
        try:
            session = pull_session(url=url)
            if not any(type(m).__name__ == "PlotlyPlot" for m in session.document.models):
                session.close()  # e.g. the error page of an app that raised
                raise RuntimeError("the session's document holds no chart")
            if document_ready:
                session.document.callbacks.send_event(DocumentReady())
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


class SpacedataServer(DashboardServer):
    """:class:`tests.browser.DashboardServer` pinned to the bundled sample with no refresh
    (:data:`BUNDLED_ENV`), so load figures measure the dashboard, not a sync."""

    def base_env(self) -> dict[str, str]:
        return BUNDLED_ENV
