"""Serve the real dashboard with `panel serve` on 127.0.0.1 and drive Debian's Chromium.

Playwright's own browser download cannot work here, so Chromium is launched from
SPACEDATA_CHROMIUM, else ``chromium`` on PATH, else /usr/bin/chromium. Without one, the browser
tests are skipped with one line saying how to get one (a failure in CI: :func:`chromium_problem`).
Used by the browser tests (conftest.py launches one Chromium per run) and benchmarks.
Screenshots go to test-output/, or SPACEDATA_SHOTS (:data:`SHOTS`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
#: Where browser tests save screenshots: SPACEDATA_SHOTS, else test-output/ in the checkout.
SHOTS = Path(os.environ.get("SPACEDATA_SHOTS") or ROOT / "test-output")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: The one line a run without Chromium prints (pytest's summary of skipped tests).
NO_CHROMIUM = (
    "browser tests skipped: no Chromium found; set SPACEDATA_CHROMIUM=/path/to/chromium or "
    "install chromium (`make browser`, needs root or sudo)"
)


def chromium_path() -> str | None:
    """SPACEDATA_CHROMIUM if set, else ``chromium`` on PATH, else /usr/bin/chromium."""
    debian = "/usr/bin/chromium"
    return (
        os.environ.get("SPACEDATA_CHROMIUM")
        or shutil.which("chromium")
        or (debian if os.path.isfile(debian) and os.access(debian, os.X_OK) else None)
    )


def chromium_problem() -> tuple[str, bool] | None:
    """Why the browser tests cannot run, and whether that is a failure (rather than a skip):
    None when they can. A SPACEDATA_CHROMIUM that is not an executable file is a failure
    (someone asked for it), and so is a missing Chromium in CI (env ``CI``), where `make
    browser` can install it: CI must not go green without its browser tests."""
    given = os.environ.get("SPACEDATA_CHROMIUM")
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            return f"SPACEDATA_CHROMIUM={given} is not an executable file", True
        return None
    if chromium_path() is None:
        in_ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
        if in_ci:
            return "CI without Chromium: run `make browser` (as root) before the tests", True
        return NO_CHROMIUM, False
    return None


@contextlib.contextmanager
def launch_chromium():
    """Debian's Chromium (:func:`chromium_path`), headless, closed on exit. The tests take it
    from conftest's session-scoped ``chromium`` fixture: one browser per run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: A served dashboard never reaches LL2 or a user's own snapshots unless a test says so: it
#: starts on the bundled sample (LL2 "offline" at a closed local port).
SAFE_ENV = {
    "SPACEDATA_BASE_URL": "http://127.0.0.1:9/2.3.0/",
    "SPACEDATA_DATA_DIR": tempfile.mkdtemp(prefix="spacedata-serve-data-"),
    "SPACEDATA_CACHE_DIR": tempfile.mkdtemp(prefix="spacedata-serve-cache-"),
}


class DashboardServer:
    """``spacedata serve`` in a subprocess on 127.0.0.1, stopped on exit (with any
    ``--num-procs`` workers it forked); its output goes to :attr:`log_path`.

    ``args``: extra arguments to ``spacedata serve`` (``--num-procs 2``...). ``panel_args``: run
    ``panel serve dashboards/spacecraft.py`` with these arguments instead. ``cmd``: replace the
    whole command (``args`` are still appended).
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        port: int | None = None,
        panel_args: list[str] | None = None,
        args: Sequence[str] = (),
        cmd: list[str] | None = None,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/spacecraft"
        self.origin = f"http://127.0.0.1:{self.port}"
        if cmd is None:
            cmd = [sys.executable, "-m", "spacedata.cli", "serve", "--port", str(self.port)]
        if panel_args is not None:
            cmd = [
                *(
                    sys.executable,
                    "-m",
                    "panel",
                    "serve",
                    str(ROOT / "dashboards" / "spacecraft.py"),
                ),
                *("--port", str(self.port), "--address", "127.0.0.1"),
                *("--allow-websocket-origin", f"127.0.0.1:{self.port}", "--liveness"),
                *panel_args,
            ]
        self.log_path = Path(tempfile.mkstemp(prefix="spacedata-serve-", suffix=".log")[1])
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [*cmd, *args],
            env={**os.environ, **self.base_env(), **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        live = f"http://127.0.0.1:{self.port}/liveness"  # opens no session: the first page is real
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log_text()
                self.stop()
                raise RuntimeError(f"spacedata serve exited with {self.proc.returncode}:\n{log}")
            try:
                if requests.get(live, timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the dashboard did not come up within 90 s")

    def base_env(self) -> dict[str, str]:
        """Settings every server of this class gets (a test's ``env`` may override them)."""
        return SAFE_ENV

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        import psutil

        try:
            workers = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            workers = []
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for worker in workers:
            try:
                worker.terminate()
                worker.wait(10)
            except psutil.TimeoutExpired:
                worker.kill()
            except psutil.Error:
                pass
        self.log.close()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> DashboardServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# Panel renders each component in a shadow root; innerText stops at shadow boundaries.
DEEP_TEXT = """el => {
  const out = [];
  const walk = n => {
    if (n.nodeType === Node.TEXT_NODE) { if (n.textContent.trim()) out.push(n.textContent.trim()); return; }
    if (n.nodeName === 'STYLE' || n.nodeName === 'SCRIPT') return;
    if (n.shadowRoot) walk(n.shadowRoot);
    n.childNodes.forEach(walk);
  };
  walk(el);
  return out.join('\\n');
}"""


def deep_text(locator) -> str:
    """All text under an element, shadow roots included, one text node a line."""
    return locator.evaluate(DEEP_TEXT)


#: Each KPI card under an element (shadow roots included) as {label: value text}.
_KPIS = """el => {
  const out = {};
  const walk = n => {
    if (n.classList && n.classList.contains('sd-kpi')) {
      out[n.querySelector('.sd-kpi-label').textContent.trim()] =
        n.querySelector('.sd-kpi-value').textContent.trim();
    }
    if (n.shadowRoot) walk(n.shadowRoot);
    n.childNodes.forEach(walk);
  };
  walk(el);
  return out;
}"""


def kpis(page) -> dict[str, str]:
    """The KPI row as {label: value text} (each card also says what it counts: not here)."""
    return page.locator(".sd-kpis").first.evaluate(_KPIS)


#: Viewports the dashboard must work at: a phone, a tablet (portrait), a desktop.
SCREENS = {"phone": (390, 844), "tablet": (820, 1180), "desktop": (1400, 1000)}


def open_page(context, url: str, charts: int = 6):
    """A new page at ``url``, waiting until ``charts`` charts are drawn and the table has rows
    or its placeholder (the page builds the lower charts and the table as a viewer scrolls to
    them: :func:`wait_for_charts`, :func:`show_records`)."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(".sd-kpis", timeout=60_000)
    if charts:
        wait_for_charts(page, charts)
    show_records(page)
    return page


#: Every scrolled box of the page (and the window) back at its top.
_SCROLL_TOP = """() => {
  for (const e of document.querySelectorAll("*")) if (e.scrollTop) e.scrollTop = 0
  window.scrollTo(0, 0)
}"""

#: The places of the parts the page builds as a viewer scrolls to them, on the shown view.
_PLACES = ".sd-chart-place, .sd-records-place"


def _scroll_until(page, done, timeout: float) -> None:
    """Scroll to the page's next place (:func:`spacedata.dashboard.page.when_shown`: each lower
    pair of charts, then the records table, is built once its place nears the screen) until
    ``done()``, then back to the top."""

    def reached():
        if done():
            return True
        place = page.locator(_PLACES).filter(visible=True)
        if place.count():  # replaced by its part while scrolled to: the next try sees the next
            place.first.scroll_into_view_if_needed(timeout=2_000)
        return False

    try:
        wait_until(reached, timeout=timeout)
    finally:
        page.evaluate(_SCROLL_TOP)


def wait_for_charts(page, charts: int, timeout: float = 60) -> None:
    """Wait until ``charts`` charts are drawn, scrolling down to the lower ones."""
    plots = page.locator(".js-plotly-plot")  # drawn: plotly's own SVG inside (3 a chart)
    drawn = "els => els.filter(e => e.querySelector('.main-svg')).length"
    _scroll_until(page, lambda: plots.evaluate_all(drawn) >= charts, timeout)


def show_records(page, rows: bool = False, timeout_ms: int = 60_000) -> None:
    """Scroll down to the records table until it is built, wait for it (with ``rows``: a row),
    and scroll back to the top."""
    table = page.locator(".sd-table .tabulator" + (" .tabulator-row" if rows else ""))
    _scroll_until(page, lambda: table.count() > 0, timeout_ms / 1000)


class Outside:
    """Routes every request of a browser context: those not to ``origin`` (or data:/blob:) are
    recorded in :attr:`urls` and aborted, so a page can never reach another host."""

    def __init__(self, context, origin: str):
        self.origin = origin.rstrip("/") + "/"
        self.urls: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith((self.origin, "data:", "blob:")):
            route.continue_()
        else:
            self.urls.append(url)
            route.abort("blockedbyclient")


class Console:
    """Collects a page's console warnings and errors, and uncaught exceptions."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))

    def _message(self, msg) -> None:
        if msg.type in ("warning", "error", "assert"):
            self.problems.append(f"{msg.type}: {msg.text}")


def wait_until(fn, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``fn`` until it returns a truthy value; raise with the last value on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - page still updating
            last = exc
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")
