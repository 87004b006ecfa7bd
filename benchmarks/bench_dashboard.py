"""Dashboard benchmark: prints figures, asserts nothing. Run: make bench (needs Chromium).

1. Server-side filter callback (store filter + KPIs + all six figures + table, pushed into live
   Bokeh models), p50/p95 over 30 filter changes, on the 20-record bundled snapshot and on a
   100,000-row SYNTHETIC table resampled from it.
2. In Chromium (Playwright) against `panel serve`: page open -> first chart drawn; a filter change
   (name search) -> every chart and the KPIs updated, p50/p95 over 20 changes.
3. 20 concurrent sessions (browser pages kept open) against one server: page errors, time to
   first chart per session, server RSS growth per added session.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import panel as pn  # noqa: E402

import spacedata  # noqa: E402
from spacedata.dashboard import Charts, DataStore, KPIs, RecordsTable  # noqa: E402
from spacedata.synthetic import resample  # noqa: E402
from spacedata.tidy import build_tables  # noqa: E402
from tests.browser import CHROMIUM_ARGS, DashboardServer, chromium_path, kpis  # noqa: E402

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


WAIT_CHARTS = """n => {
  const plots = [];
  const walk = node => {
    if (node.classList && node.classList.contains('js-plotly-plot')) plots.push(node);
    if (node.shadowRoot) walk(node.shadowRoot);
    node.childNodes && node.childNodes.forEach(walk);
  };
  walk(document.body);
  return plots.length === 6 && plots.every(p => p.textContent.includes(n + ' spacecraft shown'));
}"""


def browser_figures() -> None:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        print("Chromium not installed (`make browser`): browser figures skipped")
        return
    with DashboardServer() as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        firsts = {}
        for visit in ("cold cache", "warm cache"):  # a first visit, then a return visit
            page = context.new_page()
            t = time.perf_counter()
            page.goto(srv.url)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
            firsts[visit] = time.perf_counter() - t
            page.wait_for_function(WAIT_CHARTS, arg=20, timeout=60_000)
            if visit == "cold cache":
                page.close()
        print(
            "page open -> first chart drawn (server ready beforehand): "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in firsts.items())
        )
        box = page.locator("input[placeholder='e.g. Soyuz']")
        times = []
        for i in range(20):
            text, n = ("soyuz", 13) if i % 2 == 0 else ("", 20)
            box.fill(text)
            t = time.perf_counter()
            box.press("Enter")
            page.wait_for_function(WAIT_CHARTS, arg=n, timeout=30_000, polling="raf")
            times.append(time.perf_counter() - t)
            assert kpis(page)["Spacecraft shown"] == str(n)
        print(f"filter change -> all 6 charts + KPIs updated: {pct(times)}")
        page.close()

        print("\n== 20 concurrent sessions against one server")
        pages, errors, firsts = [], [], []
        base = rss_kb(srv.proc.pid)
        rss = []
        for _ in range(20):
            pg = browser.new_page()
            pg.on("pageerror", lambda e: errors.append(str(e)))
            t = time.perf_counter()
            pg.goto(srv.url)
            pg.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            firsts.append(time.perf_counter() - t)
            pages.append(pg)
            time.sleep(0.2)
            rss.append(rss_kb(srv.proc.pid))
        for pg in pages:  # every session still answers a filter change
            pg.locator("input[placeholder='e.g. Soyuz']").fill("soyuz")
            pg.locator("input[placeholder='e.g. Soyuz']").press("Enter")
        for pg in pages:
            pg.wait_for_function(WAIT_CHARTS, arg=13, timeout=120_000)
        per = (rss[-1] - rss[0]) / 19 / 1024
        print(f"sessions: 20, page errors: {len(errors)}, time to first chart {pct(firsts)}")
        print(
            f"server RSS: {base / 1024:.0f} MB idle, {rss[0] / 1024:.0f} MB with 1 session, "
            f"{rss[-1] / 1024:.0f} MB with 20 -> {per:.1f} MB per added session"
        )
        browser.close()


def main() -> None:
    print("== server-side filter callback (store + KPIs + 6 figures + table into Bokeh models)")
    small = spacedata.load_spacecraft("bundled")
    print(f"bundled snapshot, {len(small)} rows:            {pct(callback_times(small))}")
    real = spacedata.bundled_snapshot().records()
    big = build_tables(
        resample(real, 100_000, seed=4), spacedata.bundled_snapshot().provenance
    ).wide()
    print(f"SYNTHETIC 100,000 rows (resampled):    {pct(callback_times(big))}")
    print("\n== in the browser (headless Chromium, bundled snapshot)")
    with tempfile.TemporaryDirectory():
        browser_figures()


if __name__ == "__main__":
    main()
