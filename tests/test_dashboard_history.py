"""Back and Forward in Chromium: the view always equals the URL (issue 19, item 2).

Before, Panel's ``pn.state.location`` pushed an entry for every change (every step of a slider)
and nobody listened to Back: after Back the URL had lost ``view=time`` and ``flights=0-27``
while the page still showed them. Here every filter, the tab and the charts follow the URL on
Back and Forward, and a slider's drag or arrow steps make one entry, not one per step.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import spacedata
from spacedata.dashboard import DataStore
from tests.browser import Console, kpis, show_records, wait_for_charts, wait_until

pytestmark = pytest.mark.browser

_STORE = DataStore(spacedata.load_spacecraft("bundled"))
DEFAULT_SHOWN = f"{len(_STORE.filtered):,}"
TOP = _STORE.param.flights.bounds[1]
NASA_SHOWN = f"{len(DataStore(spacedata.load_spacecraft('bundled'), agency=['NASA']).filtered):,}"

#: The names of a chart's traces (what it draws now).
_TRACES = "e => e.data.map(t => t.name)"


def open_view(context, url: str, charts: int = 6):
    """A new page at ``url`` (either view), its console watched from the start, once
    ``charts`` charts are drawn."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.console = Console(page)
    page.goto(url)
    page.wait_for_selector(".sd-provenance", timeout=60_000)
    wait_for_charts(page, charts)
    return page


@pytest.fixture
def page(chromium, bundled_dashboard):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = open_view(context, bundled_dashboard.url)
    show_records(page)
    yield page
    assert page.errors == [] and page.console.problems == [], page.console.problems
    context.close()


def _history_length(page) -> int:
    return page.evaluate("history.length")


def _upper(page):
    return page.locator(".sd-filter-flights .noUi-handle-upper")


def _active_tab(page) -> str:
    return page.locator(".sd-views .bk-tab.bk-active").inner_text().strip()


def _expect_spacecraft_view(page, shown: str) -> None:
    expect(page.locator(".sd-views .bk-tab.bk-active")).to_have_text("Spacecraft")
    expect(page.locator(".sd-kpis")).to_be_visible()
    expect(page.locator(".sd-chart-per_year_agency")).to_be_hidden()
    expect(page.locator(".sd-kpis")).to_contain_text(shown)
    assert kpis(page)["Spacecraft shown"] == shown


def _expect_time_view(page) -> None:
    expect(page.locator(".sd-views .bk-tab.bk-active")).to_have_text("Through time")
    expect(page.locator(".sd-chart-per_year_agency .js-plotly-plot")).to_be_visible()
    expect(page.locator(".sd-kpis")).to_be_hidden()


def _agencies_drawn(page) -> set[str]:
    chart = page.locator(".sd-chart-flights_by_agency .js-plotly-plot")
    return set(chart.evaluate("e => e.data.flatMap(t => Array.from(t.x || []))"))


def test_back_and_forward_apply_the_filters_and_the_tab_of_the_url(page, bundled_dashboard):
    url = bundled_dashboard.url
    start = _history_length(page)
    page.locator(".sd-filter-agency input").click()
    page.keyboard.type("NASA")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?agency=NASA$"))
    expect(page.locator(".sd-kpis")).to_contain_text(NASA_SHOWN)
    page.locator(".sd-views .bk-tab", has_text="Through time").click()
    expect(page).to_have_url(re.compile(r"\?agency=NASA&view=time$"))
    _expect_time_view(page)
    _upper(page).focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"\?agency=NASA&flights=0-{TOP - 3}&view=time$"))
    # three entries: the agency, the tab, the slider's three steps as one
    assert _history_length(page) == start + 3

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?agency=NASA&view=time$"))
    expect(_upper(page)).to_have_attribute("aria-valuenow", f"{TOP}.0")
    _expect_time_view(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?agency=NASA$"))
    _expect_spacecraft_view(page, NASA_SHOWN)
    expect(page.locator(".sd-filter-agency .sd-chip")).to_have_count(1)
    assert _agencies_drawn(page) == {"NASA"}

    page.go_back()
    expect(page).to_have_url(re.compile(r"/spacecraft$"))
    expect(page.locator(".sd-filter-agency .sd-chip")).to_have_count(0)
    _expect_spacecraft_view(page, DEFAULT_SHOWN)
    assert len(_agencies_drawn(page)) > 1

    page.go_forward()
    expect(page).to_have_url(url + "?agency=NASA")
    expect(page.locator(".sd-filter-agency .sd-chip")).to_have_text(["NASA×"])
    _expect_spacecraft_view(page, NASA_SHOWN)
    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(re.compile(rf"\?agency=NASA&flights=0-{TOP - 3}&view=time$"))
    expect(_upper(page)).to_have_attribute("aria-valuenow", f"{TOP - 3}.0")
    _expect_time_view(page)
    drawn = page.locator(".sd-chart-per_year_agency .js-plotly-plot").evaluate(_TRACES)
    assert {n for n in drawn if not n.startswith("Planned")} <= {"NASA"}
    # nothing was pushed by applying Back/Forward: the three entries are still the three
    assert _history_length(page) == start + 3


def test_a_dragged_slider_makes_one_history_entry_and_back_undoes_it(page):
    start = _history_length(page)
    handle = _upper(page)
    box = handle.bounding_box()
    track = page.locator(".sd-filter-flights .noUi-base").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    for k in range(1, 9):  # a slow drag to the middle: many values on the way
        page.mouse.move(box["x"] + box["width"] / 2 - k * track["width"] / 16, y, steps=2)
        expect(page).to_have_url(re.compile(r"\?flights=0-\d+$"))
    page.mouse.up()
    high = int(float(handle.get_attribute("aria-valuenow")))  # where the drag ended
    assert 0 < high < TOP
    expect(page).to_have_url(re.compile(rf"\?flights=0-{high}$"))
    wait_until(lambda: int(kpis(page)["Spacecraft shown"]) < int(DEFAULT_SHOWN))
    assert _history_length(page) == start + 1
    shown = kpis(page)["Spacecraft shown"]

    page.go_back()
    expect(page).to_have_url(re.compile(r"/spacecraft$"))
    expect(handle).to_have_attribute("aria-valuenow", f"{TOP}.0")
    expect(page.locator(".sd-kpis")).to_contain_text(DEFAULT_SHOWN)
    page.go_forward()
    expect(page).to_have_url(re.compile(rf"\?flights=0-{high}$"))
    expect(handle).to_have_attribute("aria-valuenow", f"{high}.0")
    assert kpis(page)["Spacecraft shown"] == shown
    assert _active_tab(page) == "Spacecraft"


def test_a_shared_link_then_back_to_it_shows_the_link_state(chromium, bundled_dashboard):
    """The issue's case: open ?view=time&flights=0-..., change a filter, Back: the page shows
    the link's tab and range again, not what was last set."""
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = open_view(context, f"{bundled_dashboard.url}?view=time&flights=0-{TOP - 1}", charts=4)
    _expect_time_view(page)
    page.locator(".sd-views .bk-tab", has_text="Spacecraft").click()
    expect(page).to_have_url(re.compile(rf"\?flights=0-{TOP - 1}$"))
    page.go_back()
    expect(page).to_have_url(re.compile(rf"\?flights=0-{TOP - 1}&view=time$"))
    _expect_time_view(page)
    assert page.console.problems == [] and page.errors == []
    context.close()
