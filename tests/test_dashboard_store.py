"""The dashboard's DataStore, filters, views and shared data, without a browser."""

from __future__ import annotations

import dataclasses
import html

import pandas as pd
import pytest

import spacedata
from spacedata import plots
from spacedata.dashboard import (
    PLOTLY_JS,
    PLOTLY_TRACES,
    Charts,
    DataStore,
    SharedData,
    summary,
    words,
)
from spacedata.synthetic import resample
from spacedata.tidy import build_tables


@pytest.fixture
def df():
    return spacedata.load_spacecraft("bundled")


@pytest.fixture
def varied(real_records):
    """300 synthetic rows: several statuses, flight counts, some in space and placeholders."""
    tables = build_tables(
        resample(real_records, 300, seed=5), spacedata.bundled_snapshot().provenance
    )
    return tables.wide()


def test_defaults_hide_placeholders_only(varied):
    store = DataStore(varied)
    assert varied["is_placeholder"].any()
    assert len(store.filtered) == int((~varied["is_placeholder"]).sum())
    store.include_placeholders = True
    assert len(store.filtered) == len(varied)


@pytest.mark.parametrize(
    "param, value, check",
    [
        ("agency", ["NASA"], lambda d: set(d["agency_abbrev"]) == {"NASA"}),
        ("config", ["Soyuz", "Vostok"], lambda d: set(d["config_name"]) == {"Soyuz", "Vostok"}),
        ("config_type", ["Capsule"], lambda d: set(d["config_type"]) == {"Capsule"}),
        ("status", ["Active"], lambda d: set(d["status"]) == {"Active"}),
        ("in_space_only", True, lambda d: d["in_space"].all()),
        ("name_search", "soyuz ms", lambda d: d["name"].str.lower().str.contains("soyuz ms").all()),
        ("flights", (5, 13), lambda d: d["flights_count"].between(5, 13).all()),
    ],
)
def test_each_filter(varied, param, value, check):
    store = DataStore(varied)
    before = len(store.filtered)
    setattr(store, param, value)
    assert 0 < len(store.filtered) < before
    assert check(store.filtered)


def test_filters_combine(varied):
    store = DataStore(varied)
    store.param.update(config=["Soyuz"], status=["Active"], flights=(2, 30))
    d = store.filtered
    assert len(d) > 0
    assert (d["config_name"] == "Soyuz").all() and (d["status"] == "Active").all()
    assert (d["flights_count"] >= 2).all()
    expected = varied[
        (varied["config_name"] == "Soyuz")
        & (varied["status"] == "Active")
        & varied["flights_count"].between(2, 30)
        & ~varied["is_placeholder"]
    ]
    assert sorted(d["id"]) == sorted(expected["id"])


def test_search_text_is_not_code(df):
    store = DataStore(df)
    for text in ["`id` > 0", "__import__('os')", ".*", "((", "Soyuz 1["]:
        store.name_search = text
        assert store.filtered.empty
    store.name_search = "(S.S."  # literal text, not a pattern: the two Cygnus
    assert store.filtered["name"].str.startswith("Cygnus CRS NG-").sum() == 2
    assert len(store.filtered) == 2
    store.name_search = "7k-t"
    assert sorted(store.filtered["name"]) == ["Soyuz 7K-T No.33A", "Soyuz 7K-T/A9 No.61"]


def test_empty_result_gives_empty_figures_and_zero_kpis(df):
    store = DataStore(df)
    store.name_search = "no such spacecraft"
    assert store.filtered.empty
    assert summary(store.filtered) == {"spacecraft": 0, "flights": 0, "years": 0.0, "in_space": 0}
    for fig in Charts(store).figures(store.filtered).values():
        assert fig.layout.annotations[0].text == words.NO_MATCH and not fig.data
        assert "0 spacecraft shown · bundled sample snapshot" in fig.layout.title.subtitle.text


def test_url_round_trip(varied):
    store = DataStore(varied)
    store.param.update(
        agency=["RFSA"],
        config_type=["Capsule"],
        in_space_only=True,
        include_placeholders=True,
        name_search="Soyuz & co",
        flights=(2, 20),
    )
    query = store.to_query()
    assert "agency=RFSA" in query and "q=Soyuz+%26+co" in query
    from urllib.parse import parse_qs

    again = DataStore(varied)
    assert again.apply_query(parse_qs(query[1:])) == []
    for name in (
        "agency",
        "config_type",
        "in_space_only",
        "include_placeholders",
        "name_search",
        "flights",
    ):
        assert getattr(again, name) == getattr(store, name), name
    assert again.filtered["id"].tolist() == store.filtered["id"].tolist()


def test_bad_url_values_are_ignored_with_notices(df):
    store = DataStore(df)
    notices = store.apply_query(
        {
            "agency": [b"NASA-ish", b"National Aeronautics and Space Administration"],
            "flights": [b"abc"],
            "in_space": [b"maybe"],
            "colour": [b"red"],
            "q": [b"<script>alert(1)</script>"],
        }
    )
    assert store.agency == ["NASA"]  # a full name (links from before abbreviations) still works
    assert any("unknown agency 'NASA-ish'" in n for n in notices)
    assert any("flights='abc'" in n for n in notices)
    assert any("in_space='maybe'" in n for n in notices)
    assert any("'colour'" in n for n in notices)
    assert store.notices == notices and store.name_search == "<script>alert(1)</script>"


@pytest.mark.parametrize("value", ["²-3", "1-" + "9" * 5000, "0-٣", "-1-2", "3-1", "1-99999"])
def test_odd_flight_ranges_in_the_url_are_ignored_with_a_notice(df, value):
    store = DataStore(df)
    before = store.flights
    notices = store.apply_query({"flights": [value.encode()]})
    assert store.flights == before
    assert len(notices) == 1 and notices[0].startswith("Ignored flights=")
    assert len(store.filtered) == len(DataStore(df).filtered)  # no flights restriction
    assert len(store.filtered) == int((~df["is_placeholder"]).sum())


def test_figures_carry_provenance_and_escape_text(df):
    evil = df.copy()
    evil.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    evil.attrs = dict(df.attrs)
    fig = plots.top_time_in_space(evil, n=len(evil))
    assert "&lt;img src=x onerror=alert(1)&gt;" in fig.data[0].y
    assert "partial sample: 20 of about 603 records" in fig.layout.title.subtitle.text
    assert (
        "55 spacecraft shown (35 known only from their flights)" in fig.layout.title.subtitle.text
    )
    assert "Launch Library 2 by The Space Devs" in fig.layout.title.subtitle.text


def test_shared_data_keeps_last_good_data_when_refresh_fails():
    calls = []

    def loader(refresh=False):
        calls.append(refresh)
        if refresh:
            raise spacedata.RateLimitError("LL2's rate limit was reached", retry_after=60)
        return spacedata.load_tables("bundled")

    shared = SharedData(loader)
    before = shared.current
    after = shared.refresh()
    assert calls == [False, True]
    assert after.frame is before.frame and shared.current is after
    assert "Refresh failed" in after.refresh_error and "RateLimitError" in after.refresh_error
    assert (
        "fetch date not recorded" in after.refresh_error
        and "unknown date" not in after.refresh_error
    )
    # a session that took the earlier state never sees it change
    assert before.refresh_error is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.refresh_error = "x"


def test_shared_data_swaps_in_a_successful_refresh(tmp_path):
    from spacedata.synthetic import write_synthetic_snapshot

    write_synthetic_snapshot(50, tmp_path / "s")
    state = {"n": 0}

    def loader(refresh=False):
        state["n"] += 1
        return (
            spacedata.load_tables("bundled")
            if not refresh
            else spacedata.load_tables(snapshot=tmp_path / "s")
        )

    shared = SharedData(loader)
    assert len(shared.refresh().frame) == 50 and shared.current.refreshed_at is not None
    assert isinstance(shared.current.frame, pd.DataFrame)


def test_components_render_outside_a_server_as_in_jupyterlab(df):
    import panel as pn

    from spacedata.dashboard import KPIs, ProvenanceView, RecordsTable

    store = DataStore(df)
    table = RecordsTable(store)
    layout = pn.Column(store, ProvenanceView(store), KPIs(store), Charts(store), table)
    root = layout.get_root()  # what JupyterLab's display does: real Bokeh models
    assert root is not None
    store.config = ["Vostok"]
    kpis = KPIs(store)
    assert kpis.cards["spacecraft"].value == 2
    assert len(table.table.value) == 2  # outside a server the table follows at once


def test_figures_use_only_traces_in_the_dashboards_plotly_bundle(df, real_records):
    big = build_tables(
        resample(real_records, plots.MAX_POINTS + 500, seed=2),
        spacedata.bundled_snapshot().provenance,
    ).wide()
    for frame in (df, big, df.iloc[:0]):
        for key, fig in Charts(DataStore(frame)).figures(frame).items():
            assert {t.type for t in fig.data} <= PLOTLY_TRACES, key
    scatter = plots.flights_vs_time_in_space(big)
    assert sum(len(t.x) for t in scatter.data) == plots.MAX_POINTS
    assert f"5,000 of {len(big):,} drawn, a random sample" in scatter.layout.title.subtitle.text


def test_the_dashboards_plotly_bundle_is_the_version_panel_expects():
    from panel.models.plotly import PLOTLY_VERSION

    assert PLOTLY_JS.is_file(), "run `make plotly-bundle` for this Panel's plotly.js"
    head = PLOTLY_JS.read_text(encoding="utf-8")[:200]
    assert f"plotly.js (cartesian - minified) v{PLOTLY_VERSION}" in head, head
    assert (PLOTLY_JS.parent / "plotly-LICENSE.txt").is_file()


def test_distribution_places_one_box_per_group(df):
    fig = plots.time_in_space_distribution(df, "configuration")
    names = [t.x[0] for t in fig.data]
    flown = df[df["time_in_space_days"] > 0]  # a log axis: the rest are counted, not drawn
    assert names == sorted(flown["config_name"].astype(str).unique())
    unflown = int((~(df["time_in_space_days"] > 0)).sum())
    assert unflown == 9
    assert f"{unflown} spacecraft with no or zero time in space" in fig.layout.title.subtitle.text
    soyuz = next(t for t in fig.data if t.x[0] == "Soyuz")
    days = df.loc[df["config_name"] == "Soyuz", "time_in_space_days"]
    assert soyuz.median[0] == pytest.approx(days.median())
    assert soyuz.lowerfence[0] == pytest.approx(days.min()) and fig.layout.yaxis.type == "log"


def test_live_dashboard_refresh_checks_the_quota_first(ll2, monkeypatch):
    from spacedata.dashboard import loader_from_env

    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    monkeypatch.setenv("SPACEDATA_DASHBOARD_SOURCE", "live")
    loader, period = loader_from_env()
    assert period == "6h"
    shared = SharedData(loader)
    assert len(shared.current.frame) == 603
    ll2.quota, ll2.used, ll2.seen = 15, 12, []
    after = shared.refresh()
    assert "QuotaError" in after.refresh_error and len(after.frame) == 603
    assert ll2.spacecraft_requests == []  # refused before spending a call


def _banner(shared: SharedData) -> str:
    from spacedata.dashboard.views import ProvenanceView

    loaded = shared.current
    return ProvenanceView(DataStore(loaded.frame), loaded)._html(loaded.frame, [])


def test_dashboard_starts_on_the_sample_when_offline_and_says_why(monkeypatch):
    from spacedata.dashboard import loader_from_env

    monkeypatch.delenv("SPACEDATA_DASHBOARD_SOURCE", raising=False)
    loader, period = loader_from_env()
    shared = SharedData(loader)
    assert shared.current.frame.attrs["source"] == "bundled" and period == "6h"
    banner = _banner(shared)
    assert "Showing the bundled " in banner and "offline: LL2 could not be reached" in banner
    # its details: where the sample comes from, what that does to the charts, how to cite it
    from spacedata.dashboard.words import BUNDLED_ABOUT
    from spacedata.snapshot import bundled_snapshot

    assert "<details class='sd-details'>" in banner and html.escape(BUNDLED_ABOUT) in banner
    for said in (
        "development host",
        "stale and limited",
        "20 records of about 603",
        "skewed to single-use craft",
        "38-flight listing that host held about 2026-07-19",
        "27 flown and 11 planned",
        "2025-2027 flights only",
        "35 spacecraft those flights carry",
    ):
        assert said in BUNDLED_ABOUT, said
    # and the banner counts what is loaded: 20 + 35 spacecraft, 27 + 11 flights
    from spacedata.dashboard.views import ProvenanceView

    assert "of 55 loaded (20 from the spacecraft endpoint, 35 known only from" in banner
    flights_line = ProvenanceView(
        DataStore(shared.current.frame, shared.current.flights), shared.current, flights=True
    )._html(shared.current.flights, [])
    assert "<b>38</b> flights shown (27 flown, 11 planned) of 38 loaded" in flights_line
    assert f"sha256 {bundled_snapshot().manifest_sha256}" in banner


def test_dashboard_starts_on_a_fresh_sync_when_ll2_answers(ll2, monkeypatch):
    from spacedata.dashboard import loader_from_env

    monkeypatch.delenv("SPACEDATA_DASHBOARD_SOURCE", raising=False)
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    shared = SharedData(loader_from_env()[0])
    assert shared.current.frame.attrs["complete"] and len(shared.current.frame) == 603
    assert "Showing a fresh sync of LL2 just now" in _banner(shared)
    ll2.seen = []
    again = SharedData(loader_from_env()[0])  # a restart: the snapshot just saved, no calls
    assert "your latest fetched snapshot" in _banner(again) and ll2.spacecraft_requests == []
    ll2.quota, ll2.used = 15, 15  # the scheduled refresh cannot finish: the last good stays
    after = again.refresh()
    assert after.frame is again.current.frame and "Refresh failed" in after.refresh_error


def test_dashboard_figures_built_unvalidated_are_valid_and_the_same(tmp_path):
    """The server skips plotly's validation (validate=False); every figure the dashboard draws,
    charts and messages alike, must validate and come out the same."""
    import json

    from spacedata.dashboard.views import TimeCharts
    from spacedata.synthetic import write_synthetic_snapshot

    write_synthetic_snapshot(60, tmp_path / "syn", seed=2, flights=True)
    tables = spacedata.load_tables(tmp_path / "syn")
    bundled = spacedata.load_tables("bundled")
    cases = [
        (Charts.builders, [tables.wide(), bundled.wide(), bundled.wide().iloc[:0]]),
        (TimeCharts.builders, [tables.flights_wide(), bundled.flights_wide()]),
    ]
    checked = 0
    for builders, frames in cases:
        for df in frames:
            for key, build in builders.items():
                validated = json.loads(build(df, validate=True).to_json())  # raises if invalid
                assert json.loads(build(df, validate=False).to_json()) == validated, key
                checked += 1
    assert checked == 6 * 3 + 4 * 2


# ------------------------------------------------- the bundled sample's flights (issue 16)


@pytest.fixture(scope="module")
def sample():
    tables = spacedata.load_tables("bundled")
    return tables.wide(), tables.flights_wide()


def test_the_bundled_flights_are_shown_by_default_each_with_its_craft(sample):
    crafts, flights = sample
    store = DataStore(crafts, flights)
    # every flight whose craft passes the default filters (placeholders hidden): 35 of 38
    placeholders = set(crafts.loc[crafts["is_placeholder"], "id"])
    assert len(placeholders) == 2
    expected = flights[~flights["spacecraft_id"].isin(placeholders)]
    assert len(store.flights_filtered) == len(expected) == 35
    assert set(store.flights_filtered["id"]) == set(expected["id"])
    store.include_placeholders = True
    assert len(store.flights_filtered) == 38
    store.param.update(include_placeholders=False, agency=["SpX"])
    kept = store.flights_filtered
    assert set(kept["agency_abbrev"]) == {"SpX"} and len(kept) == 8
    assert set(kept["spacecraft_id"]) <= set(store.filtered["id"])


def test_a_flight_whose_craft_is_unknown_shows_until_a_filter_is_set(sample):
    crafts, flights = sample
    odd = flights.copy()
    odd.loc[odd.index[5], "spacecraft_id"] = pd.NA  # a flight whose craft nobody knows
    odd.loc[odd.index[6], "spacecraft_id"] = 999_999  # and one whose craft is not in the table
    odd.attrs = dict(flights.attrs)
    store = DataStore(crafts, odd)
    ids = set(store.flights_filtered["id"])
    assert {odd.loc[odd.index[5], "id"], odd.loc[odd.index[6], "id"]} <= ids
    assert not store.restricted()
    store.name_search = "Dragon"
    assert store.restricted()
    assert not {odd.loc[odd.index[5], "id"], odd.loc[odd.index[6], "id"]} & set(
        store.flights_filtered["id"]
    )


def test_the_flights_kpi_counts_flown_flights(sample):
    crafts, flights = sample
    store = DataStore(crafts, flights)
    store.include_placeholders = True
    # LL2's flights_count counts flights that took place: a craft only planned to fly has 0
    planned_only = set(flights.loc[~flights["flown"].astype(bool), "spacecraft_id"]) - set(
        flights.loc[flights["flown"].astype(bool), "spacecraft_id"]
    )
    counts = crafts.set_index("id")["flights_count"]
    assert planned_only and all(counts[i] in (0, 1) for i in planned_only)
    assert counts[next(i for i in planned_only if counts[i] == 0)] == 0
    assert summary(store.filtered)["flights"] == int(crafts["flights_count"].sum())


def test_flights_by_agency_keeps_ten_configurations_and_sums_the_rest(sample):
    crafts, _ = sample
    assert crafts["config_name"].nunique() > plots.MAX_GROUPS
    fig = plots.flights_by_agency(crafts)
    names = [t.name for t in fig.data]
    assert len(names) == plots.MAX_GROUPS + 1 and names[-1] == "other"
    assert sum(sum(t.y) for t in fig.data) == crafts["flights_count"].sum()
    top = crafts.groupby("config_name", observed=True)["flights_count"].sum().nlargest(10)
    assert set(names[:-1]) == set(top.index)
