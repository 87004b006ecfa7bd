"""The dashboard's "Through time" view, in Chromium: on a snapshot with flights (synthetic, two
versions so that "what changed" has something to say), on the bundled sample (real flights,
flown and planned, whose crafts are known only from them) and on a snapshot of the spacecraft
pages only (no flights)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

import spacedata
from spacedata import plots
from spacedata.dashboard import DataStore, words
from spacedata.synthetic import write_synthetic_snapshot
from tests.browser import SCREENS, SHOTS, Console, DashboardServer, deep_text
from tests.conftest import spacecraft_only_snapshot

pytestmark = pytest.mark.browser

TIME_CHARTS = 4


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    out = tmp_path_factory.mktemp("time") / "store"
    write_synthetic_snapshot(120, out, seed=4, flights=True)
    write_synthetic_snapshot(125, out, seed=4, flights=True)  # 5 more craft and their flights
    return out


@pytest.fixture(scope="module")
def server(snapshot):
    with DashboardServer(env={"SPACEDATA_SNAPSHOT": str(snapshot)}) as srv:
        yield srv


def _time_view(context, url: str):
    page = context.new_page()
    console = Console(page)
    page.goto(url)
    page.wait_for_selector(".sd-provenance-flights", timeout=60_000)
    return page, console


def test_through_time_draws_the_flight_charts_with_their_provenance_and_changes(
    chromium, server, snapshot
):
    tables = spacedata.load_tables(snapshot)
    store = DataStore(tables.wide(), tables.flights_wide())
    store.launched = (store.launched[0].replace(year=2000, month=1, day=1), store.launched[1])
    expected = len(store.flights_filtered)
    assert 0 < expected < len(tables.flights)

    for name in ("phone", "desktop"):
        width, height = SCREENS[name]
        context = chromium.new_context(viewport={"width": width, "height": height})
        page, console = _time_view(context, f"{server.url}?view=time&launched=2000..2100")
        expect(page.locator(".sd-chart .js-plotly-plot .gtitle")).to_have_count(
            TIME_CHARTS, timeout=60_000
        )
        line = deep_text(page.locator(".sd-provenance-flights"))
        flown = int(store.flights_filtered["flown"].sum())
        assert (
            f"{expected:,} flights shown ({flown:,} flown, {expected - flown:,} planned) of "
            f"{len(tables.flights):,} loaded"
        ) in " ".join(line.split())
        # the store kept 125 craft; the first version held 120: five added
        assert "Since the previous snapshot" in line and "spacecraft: 5 added" in line
        sizes = page.evaluate("({page: document.documentElement.scrollWidth, screen: innerWidth})")
        assert sizes["page"] <= sizes["screen"], (name, sizes)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"dashboard-time-{name}.png"))
        assert console.problems == [], console.problems
        context.close()


def test_the_spacecraft_filters_and_the_tab_are_shared_through_the_url(chromium, server, snapshot):
    flights = spacedata.load_flights(snapshot)
    agency = flights["agency_abbrev"].value_counts().index[-1]  # the smallest agency
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page, console = _time_view(context, f"{server.url}?view=time&agency={agency}")
    expect(page.locator(".sd-chart .js-plotly-plot .gtitle")).to_have_count(TIME_CHARTS)
    drawn = page.locator(".sd-chart-per_year_agency .js-plotly-plot").evaluate(
        "e => e.data.map(t => t.name)"
    )
    assert drawn == [agency]

    page.locator(".sd-views .bk-tab").nth(0).click()
    page.wait_for_function("() => !location.search.includes('view=')")
    assert parse_qs(urlparse(page.url).query) == {"agency": [agency]}
    page.locator(".sd-views .bk-tab", has_text="Through time").click()
    page.wait_for_function("() => location.search.includes('view=time')")
    assert console.problems == []
    context.close()


#: Per chart of the view: what its plotly traces must hold (names start with / are).
_TRACES = """e => e.data.map(t => ({name: t.name, n: (t.x || []).length, type: t.type}))"""


def test_the_bundled_sample_draws_its_charts_through_time_with_no_filter(
    chromium, bundled_dashboard
):
    """The bug of issue 16: the sample's flights carry crafts the spacecraft pages lack, and
    the view said "0 flights shown" and "No flights match these filters" with no filter set."""
    tables = spacedata.load_tables("bundled")
    store = DataStore(tables.wide(), tables.flights_wide())
    shown = store.flights_filtered
    n = plots.flight_status_counts(shown)
    assert len(shown) == 35 and n == {"flown": 27, "planned": 8, "unknown": 0}
    planned_years = sorted(set(shown.loc[~shown["flown"].astype(bool), "launch_net"].dt.year))
    SHOTS.mkdir(parents=True, exist_ok=True)
    srv = bundled_dashboard  # the bundled sample (LL2 unreachable: SAFE_ENV)
    for name in ("phone", "desktop"):
        width, height = SCREENS[name]
        context = chromium.new_context(viewport={"width": width, "height": height})
        page, console = _time_view(context, f"{srv.url}?view=time")
        expect(page.locator(".sd-chart .js-plotly-plot .gtitle")).to_have_count(
            TIME_CHARTS, timeout=60_000
        )
        expect(page.locator(".sd-noflights-pane")).to_be_hidden()
        view = " ".join(deep_text(page.locator(".sd-views")).split())
        assert words.NO_FLIGHT_MATCH not in view and words.NO_FLIGHTS not in view
        line = " ".join(deep_text(page.locator(".sd-provenance-flights")).split())
        assert "35 flights shown (27 flown, 8 planned) of 38 loaded" in line, line
        traces = {
            key: page.locator(f".sd-chart-{key} .js-plotly-plot").evaluate(_TRACES)
            for key in ("per_year_agency", "per_year_config", "cumulative", "turnaround")
        }
        for key, drawn in traces.items():
            assert drawn and all(t["n"] > 0 for t in drawn), (key, drawn)
        for key in ("per_year_agency", "per_year_config"):
            planned = [t for t in traces[key] if t["name"].startswith("Planned")]
            flown = [t for t in traces[key] if not t["name"].startswith("Planned")]
            assert len(planned) == 1 and planned[0]["n"] == len(planned_years), key
            assert flown, key
        # the bars are on screen: hatched planned bars beside the flown stacks
        bars = page.locator(".sd-chart-per_year_agency .js-plotly-plot g.trace.bars")
        assert bars.count() == len(traces["per_year_agency"])
        sizes = page.evaluate("({page: document.documentElement.scrollWidth, screen: innerWidth})")
        assert sizes["page"] <= sizes["screen"], (name, sizes)
        page.screenshot(path=str(SHOTS / f"dashboard-time-sample-{name}.png"), full_page=True)
        for i, key in enumerate(traces):
            chart = page.locator(f".sd-chart-{key}")
            chart.scroll_into_view_if_needed()
            chart.screenshot(path=str(SHOTS / f"dashboard-time-sample-{name}-{i}-{key}.png"))
        assert console.problems == [], console.problems
        context.close()


@pytest.fixture(scope="module")
def pages_only(tmp_path_factory):
    """The bundled sample's two real spacecraft pages alone: a source without flights."""
    return spacecraft_only_snapshot(tmp_path_factory.mktemp("pages") / "snap")


def test_without_flights_the_view_says_why_and_the_log_how_to_fetch_them(chromium, pages_only):
    with DashboardServer(env={"SPACEDATA_SNAPSHOT": str(pages_only)}) as srv:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page, console = _time_view(context, f"{srv.url}?view=time")
        message = page.locator(".sd-noflights")
        expect(message).to_be_visible(timeout=30_000)
        text = " ".join(deep_text(message).split())
        assert "No flight records in this source" in text and "spacecraft records only" in text
        assert "fetch" not in text and "`" not in text  # the operator's business: the log's
        assert srv.log_text().count("`spacedata fetch --wait` reads the flights too") == 1
        provenance = " ".join(deep_text(page.locator(".sd-provenance-flights")).split())
        assert "holds no flight records" in provenance
        expect(page.locator(".sd-chart-per_year_agency")).to_be_hidden()  # no empty axes
        page.screenshot(path=str(SHOTS / "dashboard-time-no-flights-phone.png"))
        assert console.problems == []
        context.close()
