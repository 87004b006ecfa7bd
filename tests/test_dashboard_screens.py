"""The dashboard on a phone, a tablet and a desktop (headless Chromium at each viewport).

At each size: nothing overflows sideways, the title fits, a chart is in the first screenful,
the filters are one tap away, the table fits its box, and the console stays clean. The
screenshots land in test-output/dashboard-<size>.png (and -filters.png with the filters open).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import (
    SCREENS,
    SHOTS,
    Console,
    kpis,
    open_page,
    show_records,
    wait_until,
)

pytestmark = pytest.mark.browser


def _nasa_shown() -> str:
    """The "Spacecraft shown" KPI of the bundled sample filtered to NASA."""
    import spacedata
    from spacedata.dashboard import DataStore

    return f"{len(DataStore(spacedata.load_spacecraft('bundled'), agency=['NASA']).filtered):,}"


# Widths that overflow: the page's, and the main column's (it scrolls on its own on a desktop,
# which would hide an overflow from the page's width).
OVERFLOW = """() => {
  const main = document.getElementById('main');
  return {page: document.documentElement.scrollWidth, screen: innerWidth,
          main: main.scrollWidth, mainBox: main.clientWidth};
}"""


@pytest.fixture
def server(bundled_dashboard):
    """The run's one server on the bundled sample (conftest.py)."""
    return bundled_dashboard


@pytest.fixture(params=list(SCREENS), ids=list(SCREENS))
def screen(request, chromium, server):
    width, height = SCREENS[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    yield request.param, page, Console(page)
    context.close()


def test_every_screen_fits_shows_a_chart_first_and_reaches_the_filters(screen, server):
    name, page, console = screen
    width, height = SCREENS[name]
    page.goto(server.url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)

    # the first chart is in the first screenful, mostly, without scrolling
    top = page.locator(".sd-chart .js-plotly-plot").first.evaluate(
        "e => e.getBoundingClientRect().top"
    )
    assert page.evaluate("scrollY") == 0 and 0 < top < height - 200, (name, top)

    # the title fits the header
    title = page.locator("#header a.title").evaluate(
        "e => ({right: e.getBoundingClientRect().right, fits: e.scrollWidth <= e.clientWidth})"
    )
    assert title["fits"] and title["right"] <= width, (name, title)

    # the whole page is there once scrolled through: six charts and the table, then nothing
    # overflows sideways
    show_records(page, rows=True)
    expect(page.locator(".js-plotly-plot .gtitle")).to_have_count(6, timeout=60_000)
    sizes = page.evaluate(OVERFLOW)
    assert sizes["page"] <= sizes["screen"] and sizes["main"] <= sizes["mainBox"], (name, sizes)
    holder = page.locator(".sd-table .tabulator-tableholder").evaluate(
        "e => ({content: e.scrollWidth, box: e.clientWidth})"
    )
    assert holder["content"] <= holder["box"] + 1, (name, holder)  # the table fits its box
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-{name}.png"))
    page.screenshot(path=str(SHOTS / f"dashboard-{name}-full.png"), full_page=True)

    # the filters: open at first on a wide screen; one tap away (a drawer) on a phone
    agency = page.locator(".sd-filter-agency input")
    button = page.locator("#sidebar-button")
    if width <= 800:
        expect(agency).to_be_hidden()
        expect(button).to_have_attribute("aria-expanded", "false")
        button.click()
    expect(agency).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(agency).to_be_in_viewport(ratio=1)  # wholly on screen (after the drawer slides in)
    agency.click()
    page.keyboard.type("NASA")
    page.keyboard.press("Enter")
    expect(page.locator(".sd-filter-agency .sd-chip")).to_have_text(["NASA×"])
    nasa = _nasa_shown()
    assert nasa == "3"  # LM Snoopy, and two Orion craft known only from their flights
    wait_until(lambda: kpis(page)["Spacecraft shown"] == nasa)
    page.screenshot(path=str(SHOTS / f"dashboard-{name}-filters.png"))
    if width <= 800:  # a tap outside closes the drawer again
        page.mouse.click(width - 10, height // 2)
        expect(agency).to_be_hidden()

    sizes = page.evaluate(OVERFLOW)
    assert sizes["page"] <= sizes["screen"], (name, sizes)
    assert console.problems == [], console.problems


def test_a_phone_page_scrolls_as_a_whole_and_keeps_the_header(chromium, server):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        page = open_page(context, server.url)
        page.mouse.wheel(0, 2000)
        page.wait_for_function("scrollY > 1000")
        header = page.locator("#header").bounding_box()
        assert header and header["y"] == 0  # sticky
        expect(page.locator("#sidebar-button")).to_be_in_viewport()
    finally:
        context.close()
