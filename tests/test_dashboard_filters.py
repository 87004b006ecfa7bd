"""The dashboard's declared filters, its shared data under threads, and its vocabulary."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from urllib.parse import parse_qs

import pytest

import spacedata
from spacedata import plots
from spacedata.dashboard import FILTERS, Charts, DataStore, SharedData
from spacedata.dashboard.filters import Choice, Contains, DateRange, Flag, IntRange
from spacedata.dashboard.table import TABLE_COLUMNS
from spacedata.synthetic import resample, write_synthetic_snapshot
from spacedata.tidy import build_tables


@pytest.fixture(scope="module")
def varied():
    """300 synthetic rows: several statuses, flight counts, some in space and placeholders."""
    snap = spacedata.bundled_snapshot()
    return build_tables(resample(snap.records(), 300, seed=5), snap.provenance).wide()


@pytest.fixture(scope="module")
def with_flights(tmp_path_factory):
    """(spacecraft, flights) wide frames of a synthetic snapshot of 150 craft and their flights."""
    out = tmp_path_factory.mktemp("flights") / "syn"
    write_synthetic_snapshot(150, out, seed=4, flights=True)
    tables = spacedata.load_tables(out)
    return tables.wide(), tables.flights_wide()


def _non_default(f, store):
    """A value for filter ``f`` that restricts the store's data but keeps some rows."""
    if isinstance(f, Choice):
        return [store.param[f.name].objects[0]]
    if isinstance(f, Flag):
        return not f.default(store)
    if isinstance(f, Contains):
        return "soyuz"
    if isinstance(f, IntRange):
        return (2, store.param[f.name].bounds[1])
    if isinstance(f, DateRange):
        first, last = store.param[f.name].bounds
        return (first.replace(year=first.year + 10), last)
    raise AssertionError(f"a new filter kind: teach this test a value for {type(f).__name__}")


def test_filters_are_declared_once_with_unique_names_and_url_keys():
    names = [f.name for f in FILTERS]
    urls = [f.url for f in FILTERS]
    assert len(set(names)) == len(names) and len(set(urls)) == len(urls)
    for f in FILTERS:  # the declaration is the parameter
        assert f.name in DataStore.param and DataStore.param[f.name].label == f.label


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.name)
def test_each_declared_filter_filters_round_trips_the_url_links_its_widget_and_resets(
    with_flights, f
):
    data, flights = with_flights
    store = DataStore(data, flights)
    shown = "flights_filtered" if f.applies_to == "flights" else "filtered"
    everything = len(getattr(store, shown))
    value = _non_default(f, store)
    setattr(store, f.name, value)
    assert 0 < len(getattr(store, shown)) != everything, f.name
    query = store.to_query()
    assert query.startswith(f"?{f.url}=")

    again = DataStore(data, flights)
    assert again.apply_query(parse_qs(query[1:])) == []
    assert getattr(again, f.name) == getattr(store, f.name)
    assert getattr(again, shown)["id"].tolist() == getattr(store, shown)["id"].tolist()

    widget = f.widget(again)
    assert widget.value == getattr(again, f.name) or tuple(widget.value) == tuple(value)
    default = f.default(again)
    widget.value = default  # the widget drives the store...
    assert getattr(again, f.name) == default and len(getattr(again, shown)) == everything
    setattr(again, f.name, value)  # ...and the store drives the widget
    assert widget.value == value or tuple(widget.value) == tuple(value)

    store.reset()
    assert store.to_query() == "" and len(getattr(store, shown)) == everything


def test_flights_follow_the_spacecraft_filters_and_the_launch_dates_restrict_only_flights(
    with_flights,
):
    data, flights = with_flights
    store = DataStore(data, flights)
    assert len(store.flights_filtered) == len(
        flights[
            ~flights["spacecraft_id"].isin(data.loc[data["is_placeholder"].fillna(False), "id"])
        ]
    )  # placeholders hidden by default
    agency = store.param["agency"].objects[0]
    store.agency = [agency]
    ids = set(store.filtered["id"])
    assert set(store.flights_filtered["spacecraft_id"]) <= ids
    assert (store.flights_filtered["agency_abbrev"].astype(str) == agency).all()

    spacecraft = store.filtered
    store.launched = (dt.date(2000, 1, 1), dt.date(2009, 12, 31))
    assert store.filtered is spacecraft  # the spacecraft views are not redrawn
    years = store.flights_filtered["launch_net"].dt.year
    assert len(years) and years.between(2000, 2009).all()
    assert store.to_query() == f"?agency={agency}&launched=2000-01-01..2009-12-31"


def test_launch_dates_in_the_url_accept_years_clip_to_the_data_and_ignore_nonsense(with_flights):
    data, flights = with_flights
    store = DataStore(data, flights)
    first, last = store.param["launched"].bounds
    assert store.apply_query({"launched": [b"1900..2005"]}) == []
    assert store.launched == (first, dt.date(2005, 12, 31))
    for bad in ("2005..1999", "yesterday", "2001-02-30..2002-01-01", "2999..3000"):
        again = DataStore(data, flights)
        notices = again.apply_query({"launched": [bad.encode()], "q": [b"soyuz"]})
        assert len(notices) == 1 and notices[0].startswith(f"Ignored launched={bad!r}"), bad
        assert again.launched == (first, last) and again.name_search == "soyuz"


def test_without_flights_the_date_filter_hides_and_the_url_value_is_ignored(varied):
    store = DataStore(varied)  # the bundled sample's kind of data: no flights
    assert store.flights_filtered.empty and store.launched is None
    notices = store.apply_query({"launched": [b"2001..2002"]})
    assert notices == ["Ignored launched='2001..2002': this data holds no flights."]
    launched = next(f for f in FILTERS if f.name == "launched")
    assert launched.widget(store).visible is False


def test_a_bad_url_value_is_ignored_and_the_good_ones_beside_it_still_apply(varied):
    store = DataStore(varied)
    notices = store.apply_query({"agency": [b"Nowhere", b"NASA"], "q": [b"soyuz"], "x": [b"1"]})
    assert store.agency == ["NASA"] and store.name_search == "soyuz"
    assert notices == [
        "Ignored unknown agency 'Nowhere' in the URL.",
        "Ignored unknown URL parameter 'x'.",
    ]


def test_nothing_matches_names_the_filters_to_blame(varied):
    store = DataStore(varied)
    store.param.update(name_search="Vostok", config=["Soyuz"])
    assert store.filtered.empty
    why = dict(store.explain_empty())
    assert why["Spacecraft configuration: Soyuz"] > 0  # without it: the Vostoks
    assert why["Name contains “Vostok”"] > 0  # without it: the Soyuzes
    assert not any("placeholders" in w for w in why)  # a default that is not to blame
    store.reset()
    assert not store.filtered.empty and store.notices == []


def test_agencies_have_one_vocabulary_abbreviation_with_the_full_name_beside_it(varied):
    store = DataStore(varied)
    agency = next(f for f in FILTERS if f.name == "agency")
    options = {o["value"]: o["hint"] for o in agency.options(store)}
    assert options["NASA"] == "National Aeronautics and Space Administration"
    assert options["SpX"] == "SpaceX"
    fig = plots.flights_by_agency(varied)
    assert set(fig.layout.xaxis.categoryarray) == set(options)
    hover = {c for t in fig.data for c in t.customdata}
    assert "(National Aeronautics and Space Administration)" in hover
    bars = plots.time_in_space_totals(varied, "agency")
    assert set(bars.data[0].y) == set(options)
    assert TABLE_COLUMNS["agency_abbrev"] == "Agency" and "agency_name" not in TABLE_COLUMNS


def test_small_totals_keep_a_readable_value_label(tmp_path):
    assert plots.years_label(3.24) == "3.2 years"
    assert plots.years_label(0.42) == "0.42 years"
    assert plots.years_label(4.5 / plots.DAYS_PER_YEAR) == "4.5 days"
    assert plots.years_label(3.1 / 24 / plots.DAYS_PER_YEAR) == "3.1 hours"
    assert plots.years_label(0) == "0"
    # the 20 records of the two spacecraft pages: one small total in days, one in hours
    df = spacedata.load_spacecraft(snapshot=_spacecraft_pages_only(tmp_path))
    bars = plots.time_in_space_totals(df, "agency")
    labels = dict(zip(bars.data[0].y, bars.data[0].text, strict=True))
    assert labels == {"RFSA": "3.2 years", "NASA": "4.5 days", "SpX": "3.1 hours"}


def _spacecraft_pages_only(tmp_path: Path) -> Path:
    """The bundled sample's two real spacecraft pages alone (no flights, no crafts from them)."""
    from tests.conftest import spacecraft_only_snapshot

    return spacecraft_only_snapshot(tmp_path / "pages")


def test_the_time_in_space_kpi_keeps_small_totals_readable():
    from spacedata.dashboard import KPIs

    store = DataStore(spacedata.load_spacecraft("bundled"))
    kpis = KPIs(store)
    assert kpis.cards["years"].label == "Time in space (years)"
    store.agency = ["NASA"]
    card = kpis.cards["years"]
    assert card.label == "Time in space (days)" and card.value == pytest.approx(
        store.filtered["time_in_space_days"].sum()
    )
    assert KPIs.time_in_space(0.5 / 24 / plots.DAYS_PER_YEAR)["label"].endswith("(hours)")


def test_dashboard_charts_keep_the_source_line_for_export_and_notes_on_screen(real_records):
    big = build_tables(
        resample(real_records, plots.MAX_POINTS + 500, seed=2),
        spacedata.bundled_snapshot().provenance,
    ).wide()
    charts = Charts(DataStore(big))
    for key, fig in charts.figures(charts.store.filtered).items():
        sub = fig.layout.title.subtitle
        assert "spacecraft shown · bundled sample snapshot" in sub.text, key  # PNG export
        assert sub.font.size >= 12, key
    scatter = charts.figures(charts.store.filtered)["scatter"]
    assert "5,000 of" in scatter.layout.title.text  # the note stays visible on screen
    assert "drawn" not in scatter.layout.title.subtitle.text


@pytest.mark.load
def test_a_session_never_sees_shared_data_change_under_it():
    """Refreshes (some failing) in threads while sessions read: every object a reader took
    stays exactly as it was when taken; each refresh publishes a new object."""
    bundled = spacedata.load_tables("bundled")
    flip = iter(range(10**6))

    def loader(refresh=False):
        if refresh and next(flip) % 2:
            raise spacedata.NetworkError("LL2 unreachable")
        return bundled

    shared = SharedData(loader)
    seen = []
    stop = threading.Event()

    def fields(obj):
        return id(obj.frame), obj.refreshed_at, obj.refresh_error

    def read():
        while not stop.is_set():
            obj = shared.current
            seen.append((obj, fields(obj)))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    published = {id(shared.current)}
    for _ in range(40):
        published.add(id(shared.refresh()))
    stop.set()
    for t in readers:
        t.join()
    assert len(published) == 41  # one new object per refresh, success or failure
    assert seen and all(fields(obj) == taken for obj, taken in seen)


def test_dashboard_code_sets_no_process_wide_warning_filters():
    root = Path(spacedata.__file__).parent / "dashboard"
    for path in root.glob("*.py"):
        text = path.read_text()
        assert "catch_warnings" not in text and "simplefilter" not in text, path.name


def test_the_app_is_importable_from_the_package_without_serving():
    import importlib

    import panel as pn

    app = importlib.import_module("spacedata.dashboard.app")
    assert callable(app.app)
    assert pn.state.curdoc is None or not pn.state.curdoc.roots
