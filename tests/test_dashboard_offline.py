"""Nothing leaves the server: every request a dashboard page makes goes to its own origin.

Each test routes all of the browser's requests and aborts (and records) any to another host,
so a test that fails here would have shown ERR_NAME_NOT_RESOLVED on a closed network.

The bug this guards (seen with 20 pages open): when a page takes longer to load than Bokeh
keeps an unused session (15 s by default), Bokeh drops the session and rebuilds it when the
websocket connects; Panel only rewrites its stylesheet links from cdn.holoviz.org to the
server while rendering the HTML page, which a rebuilt session never does, so every component
asked cdn.holoviz.org for its CSS. spacedata.dashboard.page pins them to the server first.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser import (
    Console,
    DashboardServer,
    Outside,
    kpis,
    open_page,
    show_records,
    wait_for_charts,
    wait_until,
)

pytestmark = pytest.mark.browser


def _shown_by_default(**filters) -> str:
    """The "Spacecraft shown" KPI of the bundled sample with ``filters`` (none: placeholders
    hidden, the default)."""
    import spacedata
    from spacedata.dashboard import DataStore

    return f"{len(DataStore(spacedata.load_spacecraft('bundled'), **filters).filtered):,}"


DEFAULT_SHOWN = _shown_by_default()
NASA_SHOWN = _shown_by_default(agency=["NASA"])


@pytest.fixture
def server(bundled_dashboard):
    """The run's one server on the bundled sample (conftest.py)."""
    return bundled_dashboard


def _filter(page) -> None:
    """Use every kind of filter: picker, checkbox, text, then reset."""
    page.locator(".sd-filter-config input").click()
    page.keyboard.type("Soyuz")
    page.keyboard.press("Enter")
    wait_until(lambda: kpis(page)["Spacecraft shown"] == "11")
    page.locator(".sd-filter-include_placeholders input").click()
    box = page.locator(".sd-filter-name_search input")
    box.fill("no such craft")
    box.press("Enter")
    wait_until(lambda: kpis(page)["Spacecraft shown"] == "0")
    page.get_by_role("button", name="Reset all filters").click()
    wait_until(lambda: kpis(page)["Spacecraft shown"] == DEFAULT_SHOWN)
    wait_for_charts(page, 6)


def test_first_load_and_filtering_request_nothing_outside(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    outside = Outside(context, server.origin)
    try:
        page = open_page(context, server.url)
        console = Console(page)
        assert outside.urls == []
        _filter(page)
        page.locator(".sd-table .tabulator-row").first.wait_for()
        assert outside.urls == [] and console.problems == [] and page.errors == []
    finally:
        context.close()


def test_several_pages_opening_at_once_request_nothing_outside(chromium, server):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    outside = Outside(context, server.origin)
    try:
        pages = []
        for _ in range(5):  # all navigating at once, as with many viewers
            page = context.new_page()
            page.goto(server.url, wait_until="commit")
            pages.append(page)
        for page in pages:  # scrolled through: the lower charts and the table are built too
            show_records(page, timeout_ms=90_000)
            expect(page.locator(".js-plotly-plot .gtitle")).to_have_count(6, timeout=90_000)
        assert outside.urls == []
    finally:
        context.close()


def test_a_session_rebuilt_after_a_slow_load_requests_nothing_outside(chromium):
    """Bokeh forgets a session nobody connected to within --unused-session-lifetime; here one
    second, and Panel's JavaScript arrives after two, so the session is rebuilt from the
    websocket as it was under load with the default 15 s."""
    panel_args = ["--unused-session-lifetime", "1000", "--check-unused-sessions", "250"]
    with DashboardServer(panel_args=panel_args) as srv:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        outside = Outside(context, srv.origin)

        def slow(route):
            time.sleep(2.5)
            route.continue_()

        context.route("**/panel.min.js*", slow)
        try:
            page = open_page(context, f"{srv.url}?agency=NASA")
            wait_until(lambda: kpis(page)["Spacecraft shown"] == NASA_SHOWN)  # URL filters survive
            page.get_by_role("button", name="Reset filters", exact=True).click()
            wait_until(lambda: kpis(page)["Spacecraft shown"] == DEFAULT_SHOWN)
            _filter(page)
            assert outside.urls == [], sorted(set(outside.urls))
            assert page.errors == []
        finally:
            context.close()
