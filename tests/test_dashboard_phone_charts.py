"""The dashboard's charts on a phone (issue 19, item 4), in headless Chromium at 390x844 and at
1400x1000, on the bundled sample, both views: titles fit the chart (wrapped, not clipped at
the right edge), axis titles overlap neither the title block nor the legend, every bar of a
top-N chart has its label, log axes carry at least three tick labels, legends sit below the
plot and fit its width. Screenshots go to SHOTS (test-output/, or SPACEDATA_SHOTS).
"""

from __future__ import annotations

import pytest

import spacedata
from spacedata.dashboard import DataStore
from spacedata.plots.spacecraft import TOP_BARS
from tests.browser import SHOTS, Console, DashboardServer, open_page, wait_until

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1400, 1000)}
SPACECRAFT = ["flights_by_agency", "time_by_agency", "time_by_config", "distribution", "top"]
SPACECRAFT += ["scatter"]
TIME = ["per_year_agency", "cumulative", "per_year_config", "turnaround"]
LOG_AXES = {"distribution", "scatter", "turnaround"}

# Boxes (viewport px) of a chart's parts: the whole svg, the plot area, the title block, the
# axis titles, the legend (its box, which clips) and each legend entry's text; and its tick labels' texts.
PARTS = """el => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const all = s => Array.from(el.querySelectorAll(s));
  const shown = e => e.getBoundingClientRect().width > 0 && getComputedStyle(e).display !== 'none';
  return {
    svg: box(el.querySelector('.main-svg')),
    plot: box(el.querySelector('.nsewdrag')),
    title: box(el.querySelector('.gtitle')),
    subtitle: el.querySelector('.gtitle-subtitle') && shown(el.querySelector('.gtitle-subtitle'))
      ? box(el.querySelector('.gtitle-subtitle')) : null,
    xtitle: box(el.querySelector('.xtitle')),
    ytitle: box(el.querySelector('.ytitle')),
    legend: box(el.querySelector('.legend .bg')),
    entries: all('.legend .legendtext').map(box),
    yticks: all('.ytick text').filter(shown).map(e => e.textContent),
    xticks: all('.xtick text').filter(shown).map(e => e.textContent),
  };
}"""


def _overlap(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return False
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.fixture(scope="module")
def server():
    with DashboardServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def expected() -> dict[str, int]:
    """What the bundled sample's default view draws: the top chart's bars, the configuration
    totals' bars (the rest summed in one: a phone can label twelve)."""
    store = DataStore(spacedata.load_spacecraft("bundled"))
    df = store.filtered
    configs = df["config_name"].nunique()
    return {
        "top": min(15, len(df)),
        "time_by_config": TOP_BARS if configs > TOP_BARS else configs,
        "time_by_agency": df["agency_abbrev"].nunique(),
    }


def _page(chromium, server, size: str, view: str):
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height})
    if view == "spacecraft":
        page = open_page(context, server.url)
    else:
        page = context.new_page()
        page.goto(f"{server.url}?view=time")
        page.wait_for_selector(".sd-provenance-flights", timeout=60_000)
        wait_until(lambda: page.locator(".sd-chart-turnaround .gtitle").count() == 1, 60)
    return context, page


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("view", ["spacecraft", "time"])
def test_every_chart_fits_labels_its_bars_and_keeps_its_text_apart(
    chromium, server, expected, size, view
):
    context, page = _page(chromium, server, size, view)
    try:
        console = Console(page)
        keys = SPACECRAFT if view == "spacecraft" else TIME
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone-charts-{view}-{size}.png"), full_page=True)
        for key in keys:
            chart = page.locator(f".sd-chart-{key} .js-plotly-plot")
            chart.scroll_into_view_if_needed()
            wait_until(lambda chart=chart: chart.locator(".gtitle").count() == 1, 30)
            parts = chart.evaluate(PARTS)
            svg, where = parts["svg"], f"{view}/{size}/{key}"
            # the title block fits the chart's width (wrapped where it would not)
            assert parts["title"]["right"] <= svg["right"] + 1, (where, parts["title"], svg)
            assert parts["title"]["left"] >= svg["left"] - 1, where
            # axis titles overlap neither the title block nor the legend
            for axis in ("xtitle", "ytitle"):
                assert not _overlap(parts[axis], parts["title"]), (where, axis, parts)
                assert not _overlap(parts[axis], parts["subtitle"]), (where, axis, parts)
                assert not _overlap(parts[axis], parts["legend"]), (where, axis, parts)
            # legends sit below the plot and every entry fits the chart's width
            if parts["legend"] is not None:
                assert parts["legend"]["top"] >= parts["plot"]["bottom"], (where, parts)
                for entry in parts["entries"]:  # the legend clips what overflows its box
                    assert entry["right"] <= parts["legend"]["right"] + 1, (where, entry, parts)
                    assert entry["right"] <= svg["right"] + 1, (where, entry, svg)
            # every bar of a top-N or totals chart is labelled
            if key in expected:
                assert len(parts["yticks"]) == expected[key], (where, parts["yticks"])
                assert all(len(t) <= 20 or size == "desktop" for t in parts["yticks"]), where
            # a log axis has readable ticks: at least three, plain numbers
            if key in LOG_AXES:
                assert len(parts["yticks"]) >= 3, (where, parts["yticks"])
            chart.screenshot(path=str(SHOTS / f"phone-charts-{view}-{size}-{key}.png"))
        assert console.problems == [], console.problems
    finally:
        context.close()
