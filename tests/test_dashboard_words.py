"""What the dashboard says to the people who read it (issue 19, item 5): empty states in plain
words (what the data holds and why nothing is shown; how to fetch is the operator's, in the
server log), the active filters as removable chips above the KPIs, KPIs that say what they
count or sum and their share, and no literal markdown anywhere in the page.

The unit tests compute every expected figure from the bundled sample's data; the browser tests
drive the served bundled sample at a phone, a tablet and a desktop size.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

import spacedata
from spacedata import plots
from spacedata.dashboard import DataStore, KPIs, NoFlights, NoMatch, words
from spacedata.dashboard.views import ActiveFilters, summary
from tests.browser import DEEP_TEXT, SCREENS, SHOTS, Console, kpis, wait_for_charts, wait_until
from tests.conftest import spacecraft_only_snapshot

#: Markdown that must never reach the page: backticks, bold, a heading line.
MARKDOWN = re.compile(r"`|\*\*|^\s*#", re.MULTILINE)


@pytest.fixture(scope="module")
def sample():
    tables = spacedata.load_tables("bundled")
    return tables.wide(), tables.flights_wide()


def store_of(sample, **filters) -> DataStore:
    store = DataStore(*sample)
    store.param.update(**filters)
    return store


def test_share_never_rounds_to_a_wrong_extreme():
    assert words.share(12, 55) == "22%"
    assert words.share(0, 55) == "0%" and words.share(3, 0) == "0%"
    assert words.share(1, 1000) == "<1%" and words.share(999, 1000) == ">99%"
    assert words.share(20.277681984688314, 20.277681984688318) == "100%"  # summed in another order
    assert (
        words.count(1, "flights") == "1 flight" and words.count(2, "spacecraft") == "2 spacecraft"
    )


def test_each_kpi_says_what_it_counts_or_sums_and_its_share(sample):
    data, _ = sample
    store = store_of(sample, agency=["NASA"])
    shown, loaded = summary(store.filtered), summary(data)
    cards = KPIs(store).cards
    assert cards["spacecraft"].value == len(store.filtered) > 0
    assert cards["spacecraft"].context == (
        f"of {len(data)} loaded ({words.share(len(store.filtered), len(data))})"
    )
    assert cards["flights"].label == "Flights flown"
    assert cards["flights"].value == shown["flights"]
    assert "summed over these spacecraft" in cards["flights"].context
    assert f"of {loaded['flights']:,}" in cards["flights"].context
    assert "planned not counted" in cards["flights"].context
    assert "summed over these spacecraft" in cards["years"].context
    assert f"{loaded['years']:,.1f} years" in cards["years"].context
    assert cards["in_space"].context == (
        f"of the {len(store.filtered)} shown "
        f"({words.share(shown['in_space'], len(store.filtered))})"
    )


def test_the_spacecraft_kpi_counts_the_placeholders_the_default_hides(sample):
    data, _ = sample
    placeholders = int(data["is_placeholder"].fillna(False).sum())
    assert placeholders  # the sample has some: otherwise this test proves nothing
    store = store_of(sample)
    card = KPIs(store).cards["spacecraft"]
    assert card.value == len(data) - placeholders
    assert card.context.endswith(f"; {words.count(placeholders, 'placeholders')} hidden")
    store.include_placeholders = True
    kpis = KPIs(store)
    assert kpis.cards["spacecraft"].value == len(data)
    assert kpis.cards["spacecraft"].context == f"of {len(data)} loaded (100%)"


def test_the_kpis_are_one_pane_of_escaped_text(sample):
    kpis = KPIs(store_of(sample))
    text = kpis.pane.object
    assert text.count("class='sd-kpi ") == 4 and "<script" not in text
    for card in kpis.cards.values():
        assert f">{card.text}</span>" in text and card.context in text


def test_a_chip_for_each_filter_set_removed_to_its_default(sample):
    data, _ = sample
    top = int(data["flights_count"].max())
    store = store_of(sample, agency=["NASA", "SpX"], flights=(1, top), name_search=" a ")
    view = ActiveFilters(store)
    assert view.widget.chips == [
        {"key": "agency", "text": "Agency: NASA or SpX", "name": "Agency NASA or SpX"},
        {"key": "name_search", "text": "Name contains: “a”", "name": "Name contains “a”"},
        {"key": "flights", "text": f"Flights: 1 to {top}", "name": f"Flights 1 to {top}"},
    ]
    assert view.widget.visible
    view.widget._handle_msg({"remove": "agency"})
    assert store.agency == [] and "agency=" not in store.to_query()
    assert [c["key"] for c in view.widget.chips] == ["name_search", "flights"]
    view.widget._handle_msg({"remove": "not-a-filter"})  # from the browser: anything at all
    view.widget._handle_msg({"remove": ["flights"]})
    view.widget._handle_msg("clear")
    assert [c["key"] for c in view.widget.chips] == ["name_search", "flights"]
    view.widget._handle_msg({"clear": True})
    assert view.widget.chips == [] and not view.widget.visible and store.to_query() == ""


def test_a_flag_chip_and_the_dates_only_where_they_change_the_view(sample):
    store = store_of(sample, in_space_only=True, include_placeholders=True)
    lo, hi = store.param.launched.bounds
    store.launched = (lo, lo.replace(year=lo.year + 1))
    spacecraft, everything = ActiveFilters(store), ActiveFilters(store, applies_to=None)
    assert [c["text"] for c in spacecraft.widget.chips] == ["In space now", "Include placeholders"]
    assert spacecraft.widget.chips[0]["name"] == "In space now"
    dates = everything.widget.chips[-1]
    assert dates["key"] == "launched"
    assert (
        dates["text"] == f"Launched (UTC): {lo:%Y-%m-%d} to {lo.replace(year=lo.year + 1):%Y-%m-%d}"
    )
    spacecraft.widget._handle_msg({"remove": "launched"})  # not one of its chips: left alone
    assert store.launched != (lo, hi)
    everything.widget._handle_msg({"clear": True})
    assert store.to_query() == ""


def test_no_match_says_what_the_data_holds_and_which_filters_exclude_it(sample):
    data, _ = sample
    store = store_of(sample, agency=["NASA"], name_search="Soyuz")
    assert store.filtered.empty
    text = NoMatch(store)._html(store.filtered)
    assert f"This data holds {len(data)} spacecraft" in text
    for said, without in store.explain_empty():
        assert said in text
        if without:
            assert f"removing it would show {without} spacecraft" in text
    assert not MARKDOWN.search(text)


def test_no_flight_match_counts_the_flights_and_names_the_filters(sample):
    _, flights = sample
    store = store_of(sample, agency=["NASA"])
    lo, _ = store.param.launched.bounds
    store.launched = (lo, lo)
    n = plots.flight_status_counts(flights)
    if not store.flights_filtered.empty:
        pytest.skip("a flight on the first day of the sample with NASA: pick another day")
    text = NoFlights(store)._html(store.flights_filtered)
    held = f"This data holds {len(flights)} flights ({n['flown']} flown, {n['planned']} planned)"
    assert held in text

    assert "Agency: NASA" in text and f"Launched (UTC): {lo:%Y-%m-%d}" in text
    assert not MARKDOWN.search(text)


def test_without_flights_the_page_says_why_and_the_log_says_how_to_fetch(tmp_path, caplog):
    tables = spacedata.load_tables(spacecraft_only_snapshot(tmp_path / "snap"))
    frames = tables.wide(), tables.flights_wide()  # a server's: loaded once, every viewer's
    store = DataStore(*frames)
    with caplog.at_level(logging.WARNING, logger="spacedata"):
        first, second = NoFlights(store), NoFlights(DataStore(*frames))
    text = first._html(store.flights_filtered)
    assert words.NO_FLIGHTS in text and "spacecraft records only" in text
    assert f"({len(store.data)} spacecraft)" in text and "The Spacecraft view shows them" in text
    assert "fetch" not in text and not MARKDOWN.search(text)
    assert second._html(store.flights_filtered) == text
    logged = [r.getMessage() for r in caplog.records if "spacedata fetch --wait" in r.getMessage()]
    assert len(logged) == 1  # once per data set, not once per viewer


def test_the_charts_own_empty_words_are_plain():
    for said in vars(words.FIGURE_TEXT).values():
        assert not MARKDOWN.search(said) and "spacedata fetch" not in said, said


# -- in the browser ------------------------------------------------------------------------

#: Every chip shown, through shadow roots: its words, its button's name and every box.
_CHIPS = """sel => {
  const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  const out = [];
  for (const root of roots) for (const host of root.querySelectorAll(sel)) {
    const inner = host.shadowRoot || host;
    for (const chip of inner.querySelectorAll('.sd-active-chip')) {
      const b = chip.querySelector('button');
      const box = chip.getBoundingClientRect(), bb = b.getBoundingClientRect();
      out.push({text: chip.querySelector('.sd-active-text').textContent, label:
        b.getAttribute('aria-label'), right: box.right, w: bb.width, h: bb.height});
    }
  }
  return out;
}"""


def query(page) -> str:
    """The address bar's query (``page.url`` is Playwright's copy: it lags while only it is
    read)."""
    return page.evaluate("location.search").removeprefix("?")


def chips(page, view: str = "spacecraft") -> list[dict]:
    return page.evaluate(_CHIPS, f".sd-active-{view}")


def open_page(chromium, url: str, size: tuple[int, int], charts: int = 6):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.console = Console(page)
    page.goto(url)
    page.wait_for_selector(".sd-provenance", timeout=60_000)
    wait_for_charts(page, charts)
    return page


def no_markdown(page) -> str:
    text = page.locator("body").evaluate(DEEP_TEXT)
    found = [m.group(0) for m in MARKDOWN.finditer(text)]
    assert not found, [text[max(0, m.start() - 60) : m.end() + 60] for m in MARKDOWN.finditer(text)]
    return text


@pytest.mark.parametrize("screen", list(SCREENS))
def test_filters_from_the_url_are_chips_that_remove_them(
    chromium, bundled_dashboard, sample, screen
):
    data, _ = sample
    top = int(data["flights_count"].max())
    both = store_of(sample, agency=["NASA"], flights=(1, top))
    flights_only = store_of(sample, flights=(1, top))
    assert 0 < len(both.filtered) < len(flights_only.filtered)
    url = f"{bundled_dashboard.url}?agency=NASA&flights=1-{top}"
    page = open_page(chromium, url, SCREENS[screen])
    width = SCREENS[screen][0]
    wait_until(lambda: len(chips(page)) == 2)
    shown = chips(page)
    assert [c["text"] for c in shown] == ["Agency: NASA", f"Flights: 1 to {top}"]
    assert [c["label"] for c in shown] == [
        "Remove filter: Agency NASA",
        f"Remove filter: Flights 1 to {top}",
    ]
    for chip in shown:  # targets a finger can hit, inside the screen
        assert chip["w"] >= 24 and chip["h"] >= 24 and chip["right"] <= width, chip
    clear = page.get_by_role("button", name="Clear all filters shown here")
    expect(clear).to_have_count(1)
    # above the KPIs
    chips_top = page.locator(".sd-active-spacecraft").bounding_box()["y"]
    assert chips_top < page.locator(".sd-kpis").bounding_box()["y"]
    assert kpis(page)["Spacecraft shown"] == str(len(both.filtered))
    expect(page.locator(".sd-kpis")).to_contain_text(f"of {len(data)} loaded")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-chips-{screen}.png"))
    no_markdown(page)

    page.get_by_role("button", name="Remove filter: Agency NASA").click()
    wait_until(lambda: kpis(page)["Spacecraft shown"] == str(len(flights_only.filtered)))
    wait_until(lambda: "agency" not in parse_qs(query(page)))
    assert parse_qs(query(page)) == {"flights": [f"1-{top}"]}
    assert [c["text"] for c in chips(page)] == [f"Flights: 1 to {top}"]
    expect(clear).to_have_count(0)
    # the keyboard: the focus moved to the chip left; Enter removes it
    focused = page.evaluate(
        """() => { let a = document.activeElement;
        while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
        return a ? a.getAttribute('aria-label') : null; }"""
    )
    assert focused == f"Remove filter: Flights 1 to {top}"
    page.keyboard.press("Enter")
    wait_until(lambda: chips(page) == [])
    wait_until(lambda: query(page) == "")
    assert kpis(page)["Spacecraft shown"] == str(len(store_of(sample).filtered))
    expect(page.locator(".sd-active-spacecraft")).to_be_hidden()

    # Through time: the same chips plus the launch dates, also removable
    page.goto(f"{url}&launched=2026..2027&view=time")
    wait_until(lambda: len(chips(page, "all")) == 3, timeout=60)
    assert chips(page, "all")[-1]["text"].startswith("Launched (UTC): 2026-01-01 to ")
    page.screenshot(path=str(SHOTS / f"dashboard-chips-time-{screen}.png"))
    no_markdown(page)
    page.get_by_role("button", name="Clear all filters shown here").click()
    wait_until(lambda: parse_qs(query(page)) == {"view": ["time"]})
    assert chips(page, "all") == []
    assert page.console.problems == [], page.console.problems
    page.context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_nothing_matches_says_so_in_plain_words(chromium, bundled_dashboard, sample, screen):
    data, _ = sample
    page = open_page(chromium, f"{bundled_dashboard.url}?agency=NASA&q=Soyuz", SCREENS[screen], 0)
    message = page.locator(".sd-nomatch")
    expect(message).to_be_visible(timeout=30_000)
    text = " ".join(message.evaluate(DEEP_TEXT).split())
    assert words.NO_MATCH in text and f"This data holds {len(data)} spacecraft" in text
    assert "Agency: NASA" in text and "Name contains “Soyuz”" in text
    page.screenshot(path=str(SHOTS / f"dashboard-nomatch-{screen}.png"))
    no_markdown(page)
    page.locator(".sd-views .bk-tab", has_text="Through time").click()
    expect(page.locator(".sd-noflights-pane .sd-nomatch")).to_be_visible()
    no_markdown(page)
    page.context.close()


def test_the_chips_add_no_axe_violation(chromium, bundled_dashboard, sample):
    from tests.test_dashboard_a11y import AXE, axe_violations

    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make axe` (npm ci in tests/)")
    top = int(sample[0]["flights_count"].max())
    for screen in ("phone", "desktop"):
        page = open_page(
            chromium, f"{bundled_dashboard.url}?agency=NASA&flights=1-{top}", SCREENS[screen]
        )
        wait_until(lambda: len(chips(page)) == 2)  # noqa: B023 - this page
        assert axe_violations(page, AXE.read_text(encoding="utf-8")) == [], screen
        page.context.close()
