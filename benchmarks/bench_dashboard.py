"""Dashboard benchmark: prints figures, asserts nothing. Run: make bench (needs Chromium).

1. Server-side filter callback (store filter + KPIs + all six figures + table, pushed into live
   Bokeh models), p50/p95 over 30 filter changes, on the 20-record bundled snapshot and on a
   100,000-row SYNTHETIC table resampled from it.
2. In Chromium (Playwright) against `panel serve`: page open -> first chart, all six charts and
   the table drawn (a first visit, then p50/p95 over 10); a filter change (name search) -> every
   chart and the KPIs updated, p50/p95 over 20 changes, split into server and browser time.
3. 20 concurrent sessions (browser pages kept open) against one server: page errors, time to
   first chart per session, server RSS growth per added session.
4. At scale, in Chromium: ``spacedata serve --snapshot`` on SYNTHETIC snapshots of 20,000 and
   100,000 spacecraft (:func:`spacedata.synthetic.write_synthetic_snapshot`); a filter change
   (name search) -> all six charts and the KPIs redrawn, p50/p95 over 10 changes; beside them,
   measured in the same run, a minimal Panel app (one Select, two Plotly panes redrawn on a
   choice) as the floor any Panel page pays, so the ratio stays comparable across machines.
   ``--scale-only`` runs just this part.
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import panel as pn  # noqa: E402

import spacedata  # noqa: E402
from spacedata.dashboard import Charts, DataStore, KPIs, RecordsTable  # noqa: E402
from spacedata.synthetic import resample, write_synthetic_snapshot  # noqa: E402
from spacedata.tidy import build_tables  # noqa: E402
from tests.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    DashboardServer,
    chromium_path,
    free_port,
    kpis,
)
from tests.loadclient import SpacedataServer  # noqa: E402

pn.extension("plotly", "tabulator")


def pct(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return (
        f"p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   (n={len(ms)})"
    )


def callback_times(df) -> list[float]:
    store = DataStore(df)
    layout = pn.Column(KPIs(store), Charts(store), RecordsTable(store))
    layout.get_root()  # real Bokeh models, so updates include serialising the figures
    changes = [
        {"config_type": ["Capsule"]},
        {"config_type": []},
        {"name_search": "soyuz"},
        {"name_search": ""},
        {"status": ["Active", "Retired"]},
        {"status": []},
    ]
    times = []
    for i in range(30):
        t = time.perf_counter()
        store.param.update(**changes[i % len(changes)])
        times.append(time.perf_counter() - t)
    return times


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# True once all six charts' subtitles say "<n> spacecraft shown" (hidden on screen, where the page
# shows one provenance line, but in the DOM). The chart elements are looked up once (through the
# shadow roots) and cached, so polling every frame costs next to nothing.
WAIT_CHARTS = """n => {
  let plots = window.__sdPlots;
  if (!plots || plots.length !== 6 || !plots.every(p => p.isConnected)) {
    plots = [];
    const walk = node => {
      if (node.classList && node.classList.contains('js-plotly-plot')) { plots.push(node); return; }
      if (node.shadowRoot) walk(node.shadowRoot);
      node.childNodes && node.childNodes.forEach(walk);
    };
    walk(document.body);
    window.__sdPlots = plots;
  }
  const want = n + ' spacecraft shown';
  return plots.length === 6 && plots.every(p => {
    const sub = p.querySelector('.gtitle-subtitle');
    return sub !== null && sub.textContent.includes(want);
  });
}"""
FIRST_CHART = ".js-plotly-plot .main-svg"
SEARCH = "input[placeholder='e.g. Soyuz']"


def page_open(context, url: str) -> tuple[float, float, float]:
    """Seconds from navigation to: the first chart drawn, all six drawn, the table filled."""
    page = context.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(FIRST_CHART, timeout=60_000)
    first = time.perf_counter() - t
    page.wait_for_function(WAIT_CHARTS, arg=20, timeout=60_000, polling="raf")
    charts = time.perf_counter() - t
    page.wait_for_selector(".tabulator-row", timeout=60_000)
    table = time.perf_counter() - t
    page.close()
    return first, charts, table


def filter_changes(
    context, url: str, n: int = 20, counts: tuple[int, int] = (13, 20)
) -> dict[str, list[float]]:
    """Type in the name search and press Enter, alternating "soyuz" (``counts[0]``, 13 on the
    bundled snapshot) and "" (``counts[1]``, 20).

    Total: Enter -> all six charts and the KPIs show the new count. Split by the websocket
    frames: Enter -> the change reaches the socket (Playwright), -> the server's patch arrives,
    -> the browser has drawn it.
    """
    frames: list[tuple[str, float]] = []

    def sent(f):
        if isinstance(f, str) and "enter-pressed" in f:
            frames.append(("sent", time.perf_counter()))

    def received(f):
        if isinstance(f, str) and "spacecraft shown" in f and "ModelChanged" in f:
            frames.append(("patch", time.perf_counter()))

    page = context.new_page()
    page.on("websocket", lambda ws: (ws.on("framesent", sent), ws.on("framereceived", received)))
    page.goto(url)
    page.wait_for_function(WAIT_CHARTS, arg=f"{counts[1]:,}", timeout=120_000)
    box = page.locator(SEARCH)
    box.wait_for(timeout=60_000)
    out: dict[str, list[float]] = {"total": [], "server": [], "browser": []}
    for i in range(n):
        text, count = ("soyuz", counts[0]) if i % 2 == 0 else ("", counts[1])
        box.fill(text)
        time.sleep(0.3)  # let the previous change's follow-up messages settle
        frames.clear()
        t = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(WAIT_CHARTS, arg=f"{count:,}", timeout=60_000, polling="raf")
        done = time.perf_counter()
        assert kpis(page)["Spacecraft shown"] == f"{count:,}"
        out["total"].append(done - t)
        stamps = dict(reversed(frames))  # the first of each kind
        if "sent" in stamps and "patch" in stamps:
            out["server"].append(stamps["patch"] - stamps["sent"])
            out["browser"].append(done - stamps["patch"])
    page.close()
    return out


def browser_figures() -> None:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        print("Chromium not installed (`make browser`): browser figures skipped")
        return
    with DashboardServer() as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        cold = page_open(context, srv.url)
        print(
            f"page open, first visit: first chart {cold[0] * 1000:.0f} ms, all six charts "
            f"{cold[1] * 1000:.0f} ms, table {cold[2] * 1000:.0f} ms"
        )
        visits = [page_open(context, srv.url) for _ in range(10)]
        for i, what in enumerate(("first chart drawn", "all six charts drawn", "table filled")):
            print(f"page open -> {what:21s} {pct([v[i] for v in visits])}")
        changes = filter_changes(context, srv.url)
        print(f"filter change -> 6 charts + KPIs:   {pct(changes['total'])}")
        print(f"   of which server (socket->patch): {pct(changes['server'])}")
        print(f"   of which browser (patch->drawn): {pct(changes['browser'])}")

        print("\n== 20 concurrent sessions against one server")
        pages, errors, firsts = [], [], []
        base = rss_kb(srv.proc.pid)
        rss = []
        for _ in range(20):
            pg = browser.new_page()
            pg.on("pageerror", lambda e: errors.append(str(e)))
            t = time.perf_counter()
            pg.goto(srv.url)
            pg.wait_for_selector(FIRST_CHART, timeout=120_000)
            firsts.append(time.perf_counter() - t)
            pages.append(pg)
            time.sleep(0.2)
            rss.append(rss_kb(srv.proc.pid))
        for pg in pages:  # every session still answers a filter change
            pg.locator(SEARCH).fill("soyuz")
            pg.locator(SEARCH).press("Enter")
        for pg in pages:
            pg.wait_for_function(WAIT_CHARTS, arg=13, timeout=120_000)
        per = (rss[-1] - rss[0]) / 19 / 1024
        print(f"sessions: 20, page errors: {len(errors)}, time to first chart {pct(firsts)}")
        print(
            f"server RSS: {base / 1024:.0f} MB idle, {rss[0] / 1024:.0f} MB with 1 session, "
            f"{rss[-1] / 1024:.0f} MB with 20 -> {per:.1f} MB per added session"
        )
        browser.close()


#: The floor: a minimal Panel app, one Select and two Plotly panes redrawn when it changes.
BASELINE_APP = textwrap.dedent(
    """
    import panel as pn
    import plotly.graph_objects as go

    pn.extension("plotly")

    def figure(text, kind):
        n = len(text)
        return go.Figure(
            {"data": [{"type": kind, "x": list("abcdef"), "y": [n, 2, 3, 4, 5, 6]}],
             "layout": {"title": {"text": f"baseline {text}"}}}
        )

    choice = pn.widgets.Select(name="baseline", options=["all", "soyuz"])
    bars = pn.pane.Plotly(figure("all", "bar"), height=400, sizing_mode="stretch_width")
    dots = pn.pane.Plotly(figure("all", "scatter"), height=400, sizing_mode="stretch_width")

    def redraw(event):
        bars.object, dots.object = figure(event.new, "bar"), figure(event.new, "scatter")

    choice.param.watch(redraw, "value")
    pn.Column(choice, bars, dots).servable()
    """
)
WAIT_BASELINE = """text => [...document.querySelectorAll('*')].some(function find(n) {
  if (n.shadowRoot && [...n.shadowRoot.querySelectorAll('*')].some(find)) return true;
  return n.classList && n.classList.contains('gtitle') && n.textContent === 'baseline ' + text;
})"""


def baseline_changes(browser, n: int = 10) -> list[float]:
    """A choice in the minimal app's Select -> its Plotly charts redrawn."""
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "baseline.py"
        app.write_text(BASELINE_APP)
        port = free_port()
        cmd = [
            *(sys.executable, "-m", "panel", "serve", str(app), "--port", str(port)),
            *("--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}"),
            "--liveness",
        ]
        with SpacedataServer(cmd=cmd, port=port) as srv:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(f"http://127.0.0.1:{port}/baseline")
            page.wait_for_function(WAIT_BASELINE, arg="all", timeout=60_000)
            box = page.locator("select")
            times = []
            for i in range(n):
                text = "soyuz" if i % 2 == 0 else "all"
                time.sleep(0.3)
                t = time.perf_counter()
                box.select_option(text)
                page.wait_for_function(WAIT_BASELINE, arg=text, timeout=30_000, polling="raf")
                times.append(time.perf_counter() - t)
            page.close()
            del srv
    return times


def scale_figures(sizes=(20_000, 100_000)) -> None:
    """Filter change -> all charts redrawn, in Chromium, on SYNTHETIC snapshots; and the floor."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        print("Chromium not installed (`make browser`): scale figures skipped")
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        base = baseline_changes(browser)
        print(f"minimal Panel app (1 Select -> 2 Plotly panes), choice -> redrawn: {pct(base)}")
        floor = float(np.percentile(base, 95))
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                write_synthetic_snapshot(n, tmp)
                frame = spacedata.load_spacecraft(snapshot=tmp)
                store = DataStore(frame)
                everything = len(store.filtered)
                store.name_search = "soyuz"
                counts = (len(store.filtered), everything)
                with SpacedataServer(args=["--snapshot", tmp]) as srv:
                    context = browser.new_context(viewport={"width": 1500, "height": 1100})
                    t = time.perf_counter()
                    page = context.new_page()
                    page.goto(srv.url)
                    page.wait_for_function(
                        WAIT_CHARTS, arg=f"{everything:,}", timeout=120_000, polling="raf"
                    )
                    opened = time.perf_counter() - t
                    page.close()
                    changes = filter_changes(context, srv.url, n=10, counts=counts)
                    context.close()
                p95 = float(np.percentile(changes["total"], 95))
                print(
                    f"SYNTHETIC {n:,} spacecraft: page open -> six charts {opened * 1000:.0f} ms; "
                    f"filter change -> 6 charts + KPIs: {pct(changes['total'])}  "
                    f"(p95 {p95 / floor:.1f}x the minimal app's)"
                )
                print(f"   of which server (socket->patch): {pct(changes['server'])}")
                print(f"   of which browser (patch->drawn): {pct(changes['browser'])}")
        browser.close()


def main() -> None:
    if "--scale-only" in sys.argv:
        print("== at scale, in the browser (headless Chromium, SYNTHETIC snapshots)")
        scale_figures()
        return
    print("== server-side filter callback (store + KPIs + 6 figures + table into Bokeh models)")
    small = spacedata.load_spacecraft("bundled")
    print(f"bundled snapshot, {len(small)} rows:            {pct(callback_times(small))}")
    snap = spacedata.bundled_snapshot()
    big = build_tables(resample(snap.records(), 100_000, seed=4), snap.provenance).wide()
    print(f"SYNTHETIC 100,000 rows (resampled):    {pct(callback_times(big))}")
    print("\n== in the browser (headless Chromium, bundled snapshot)")
    browser_figures()
    print("\n== at scale, in the browser (headless Chromium, SYNTHETIC snapshots)")
    scale_figures()


if __name__ == "__main__":
    main()
