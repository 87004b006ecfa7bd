"""The flights-through-time figures (flights per year, cumulative time in space, turnaround per
flight) on a SYNTHETIC flights frame: their traces and values, recomputed here from the frame
without the plotting code; the one-message figure on a source without flights; the subtitle
counting flights and saying SYNTHETIC."""

from __future__ import annotations

import collections
import math

import numpy as np
import pandas as pd
import pytest

import spacedata
from spacedata import plots
from spacedata.synthetic import write_synthetic_snapshot
from tests.conftest import spacecraft_only_snapshot


@pytest.fixture(scope="module")
def flights(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("flights") / "syn"
    write_synthetic_snapshot(120, out, seed=3, flights=True)
    df = spacedata.load_flights(out)
    assert len(df) > 200 and df["turn_around_time_days"].notna().any()
    return df


@pytest.fixture(scope="module")
def no_flights(tmp_path_factory) -> pd.DataFrame:
    """The flights frame of a source without flights: the bundled sample's two real
    spacecraft pages alone (the sample itself now holds flights too)."""
    return spacedata.load_flights(spacecraft_only_snapshot(tmp_path_factory.mktemp("pages")))


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose attrs survive (pandas keeps them on copy, but be explicit)."""
    out = df.copy()
    out.attrs = dict(df.attrs)
    return out


def test_flights_per_year_by_agency_counts_each_year(flights):
    fig = plots.flights_per_year(flights, by="agency")
    expected: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for when, agency in zip(flights["launch_net"], flights["agency_abbrev"], strict=True):
        expected[str(agency)][when.year] += 1
    got = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data}
    assert {t.type for t in fig.data} == {"bar"} and fig.layout.barmode == "stack"
    assert got == {a: {y: float(n) for y, n in c.items()} for a, c in expected.items()}
    totals = [sum(c.values()) for c in expected.values()]
    assert [sum(t.y) for t in fig.data] == sorted(map(float, totals), reverse=True)
    assert sum(sum(t.y) for t in fig.data) == len(flights)


def test_flights_per_year_by_configuration_groups_the_rest_as_other(flights):
    configs = flights["config_name"].astype(str).value_counts()
    assert len(configs) > 3
    fig = plots.flights_per_year(flights, by="configuration", top=3)
    names = [t.name for t in fig.data]
    assert names[:3] == list(configs.index[:3]) and names[3:] == ["other"]
    other = next(t for t in fig.data if t.name == "other")
    assert sum(other.y) == configs.iloc[3:].sum()


def test_flights_per_year_escapes_labels_and_leaves_out_undated_flights(flights):
    df = _frame(flights)
    df["agency_abbrev"] = df["agency_abbrev"].cat.rename_categories(
        {df["agency_abbrev"].cat.categories[0]: "<b>A&B</b>"}
    )
    df.loc[df.index[:5], "launch_net"] = pd.NaT
    fig = plots.flights_per_year(df)
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in [t.name for t in fig.data]
    assert "<b>A&B</b>" not in fig.to_json()
    assert sum(sum(t.y) for t in fig.data) == len(df) - 5
    assert "5 flights with no launch date not shown" in fig.layout.title.subtitle.text


def test_cumulative_time_in_space_sums_durations_in_launch_order(flights):
    fig = plots.cumulative_time_in_space(flights, by="agency")
    assert {t.type for t in fig.data} == {"scatter"}
    for trace in fig.data:
        rows = sorted(
            (when, days)
            for when, days, agency in zip(
                flights["launch_net"],
                flights["duration_days"],
                flights["agency_abbrev"],
                strict=True,
            )
            if str(agency) == trace.name and not pd.isna(days)
        )
        running, expected = 0.0, []
        for _, days in rows:
            running += days
            expected.append(running / 365.25)
        assert len(trace.y) == len(rows)
        assert np.allclose(trace.y, expected, atol=1e-3)
        assert list(trace.x) == [w.strftime("%Y-%m-%d %H:%M") for w, _ in rows]
    finals = {t.name: t.y[-1] for t in fig.data}
    totals = flights.groupby("agency_abbrev", observed=True)["duration_days"].sum() / 365.25
    assert finals == pytest.approx({str(k): v for k, v in totals.items()}, abs=1e-3)
    undated = int(flights["duration_days"].isna().sum())
    sub = fig.layout.title.subtitle.text
    assert (f"{undated:,} flown flights with no duration" in sub) == (undated > 0)


def test_turnaround_points_and_rolling_median(flights):
    fig = plots.turnaround_per_flight(flights, window=9)
    points = [t for t in fig.data if t.mode == "markers"]
    (line,) = [t for t in fig.data if t.mode == "lines"]
    reused = flights[flights["turn_around_time_days"] > 0].sort_values("launch_net", kind="stable")
    assert sum(len(t.y) for t in points) == len(reused)
    assert {t.name for t in points} == set(reused["config_name"].astype(str))
    for t in points:
        mine = reused[reused["config_name"].astype(str) == t.name]
        assert sorted(t.y) == pytest.approx(sorted(mine["turn_around_time_days"]), abs=1e-3)
    # the centred median of 9, computed by hand (at least 5 values near the ends)
    v = reused["turn_around_time_days"].to_list()
    expected = []
    for i in range(len(v)):
        win = v[max(0, i - 4) : i + 5]
        expected.append(float(np.median(win)) if len(win) >= 5 else math.nan)
    assert line.name == "rolling median (9 reflights)"
    assert np.allclose(np.array(line.y, dtype=float), expected, atol=1e-3, equal_nan=True)
    assert fig.layout.yaxis.type == "log"
    n_craft = reused["spacecraft_id"].nunique()
    assert f"{len(reused):,} reflights of {n_craft:,} spacecraft" in fig.layout.title.subtitle.text


def test_turnaround_without_reflights_says_so(flights):
    firsts = _frame(flights[flights["turn_around_time_days"].isna()])
    fig = plots.turnaround_per_flight(firsts)
    assert len(fig.data) == 0 and len(fig.layout.annotations) == 1
    assert "No reused spacecraft here" in fig.layout.annotations[0].text


@pytest.mark.parametrize(
    "build",
    [
        plots.flights_per_year,
        lambda df: plots.flights_per_year(df, by="configuration"),
        plots.cumulative_time_in_space,
        plots.turnaround_per_flight,
    ],
    ids=["per_year_agency", "per_year_config", "cumulative", "turnaround"],
)
def test_subtitles_count_flights_and_say_synthetic(flights, build):
    sub = build(flights).layout.title.subtitle.text
    assert f"{len(flights):,} flights shown" in sub and "spacecraft shown" not in sub
    assert "SYNTHETIC" in sub and f"flights complete ({len(flights)} records)" in sub
    assert "Launch Library 2 by The Space Devs" in sub


@pytest.mark.parametrize(
    "build",
    [plots.flights_per_year, plots.cumulative_time_in_space, plots.turnaround_per_flight],
)
def test_a_source_without_flights_gives_one_message_and_how_to_fetch(build, no_flights):
    empty = no_flights
    assert empty.empty
    fig = build(empty)
    assert len(fig.data) == 0  # no empty axes
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    (note,) = fig.layout.annotations
    assert "No flight records in this source" in note.text
    assert "spacedata fetch --wait" in note.text and "18 API calls" in note.text
    sub = fig.layout.title.subtitle.text
    assert "0 flights shown" in sub and "bundled sample snapshot" in sub
    assert "no flight records" in sub


def test_a_frame_filtered_to_nothing_says_no_match(flights):
    fig = plots.flights_per_year(_frame(flights.iloc[:0]))
    (note,) = fig.layout.annotations
    assert "No flights match these filters" in note.text
    assert "spacedata fetch" not in note.text


# ----------------------------------------------------------------- planned and unknown flights


@pytest.fixture(scope="module")
def mixed(flights) -> pd.DataFrame:
    """The synthetic flights (all flown) with 30 made planned (coarse NET dates) and 4 of
    unknown status (``flown`` NA), each with a turnaround and a duration that must not count."""
    df = _frame(flights)
    df["launch_net_precision"] = df["launch_net_precision"].cat.add_categories(
        [
            c
            for c in ("Year", "Quarter 4", "Month")
            if c not in df["launch_net_precision"].cat.categories
        ]
    )
    planned = df.index[::7][:30]
    unknown = df.index[4::13][:4].difference(planned)
    df.loc[planned, "flown"] = False
    df.loc[unknown, "flown"] = pd.NA
    precisions = ["Year", "Quarter 4", "Month"]
    for i, idx in enumerate(planned):
        df.loc[idx, "launch_net_precision"] = precisions[i % 3]
        df.loc[idx, "launch_net"] = pd.Timestamp("2031-12-31", tz="UTC")
    df.loc[planned.union(unknown), "turn_around_time_days"] = 4321.0  # a forecast, at most
    df.loc[planned.union(unknown), "duration_days"] = 100.0
    df.attrs = dict(flights.attrs)
    assert len(unknown) == 4 and len(planned) == 30
    return df


def test_flights_per_year_draws_planned_flights_apart_and_leaves_unknown_out(mixed):
    fig = plots.flights_per_year(mixed)
    (planned,) = [t for t in fig.data if t.name.startswith("Planned")]
    flown = [t for t in fig.data if not t.name.startswith("Planned")]
    n_flown = int(mixed["flown"].fillna(False).sum())
    assert sum(sum(t.y) for t in flown) == n_flown == len(mixed) - 34
    assert list(planned.x) == [2031] and list(planned.y) == [30.0]
    assert planned.marker.pattern.shape == "/" and planned.offsetgroup != flown[0].offsetgroup
    (hover,) = planned.customdata
    assert "10 × NET 2031, year precision" in hover
    assert "10 × NET 2031 Q4, quarter 4 precision" in hover
    assert "10 × NET Dec 2031, month precision" in hover
    text = fig.layout.title.subtitle.text
    assert "4 flights of unknown status" in text and "not counted" in text
    assert (
        f"{len(mixed):,} flights shown ({n_flown:,} flown, 30 planned, 4 of unknown status)" in text
    )


@pytest.mark.parametrize(
    "precision, label",
    [
        ("Year", "NET 2026, year precision"),
        ("Quarter 4", "NET 2026 Q4, quarter 4 precision"),
        ("Year Half 1", "NET 2026 H1, year half 1 precision"),
        ("Month", "NET Dec 2026, month precision"),
        ("Day", "NET 2026-12-31, day precision"),
        ("Minute", "NET 2026-12-31 00:00 UTC, minute precision"),
        ("Fortnight", "NET 2026-12-31 00:00 UTC, fortnight precision"),  # unknown: as given
        (None, "NET 2026-12-31 00:00 UTC, precision not given"),
    ],
)
def test_net_labels_say_how_exact_a_planned_date_is(precision, label):
    assert plots.net_label(pd.Timestamp("2026-12-31", tz="UTC"), precision) == label


def test_turnaround_and_time_in_space_count_flown_flights_only(mixed):
    fig = plots.turnaround_per_flight(mixed)
    flown = mixed["flown"].fillna(False).astype(bool)
    reused = mixed[flown & (mixed["turn_around_time_days"] > 0)]
    assert sum(len(t.y) for t in fig.data if t.mode == "markers") == len(reused)
    assert 4321.0 not in [y for t in fig.data if t.mode == "markers" for y in t.y]
    sub = fig.layout.title.subtitle.text
    assert "30 planned flights not counted" in sub and "4 flights of unknown status" in sub
    cum = plots.cumulative_time_in_space(mixed)
    total = sum(t.y[-1] for t in cum.data)
    assert total == pytest.approx(mixed.loc[flown, "duration_days"].sum() / 365.25, abs=1e-2)
    assert "30 planned flights not counted" in cum.layout.title.subtitle.text


def test_only_planned_flights_give_a_message_not_empty_axes(mixed):
    planned = _frame(mixed[mixed["flown"].eq(False).fillna(False)])
    for build in (plots.turnaround_per_flight, plots.cumulative_time_in_space):
        fig = build(planned)
        assert len(fig.data) == 0
        assert "30 planned flights not counted" in fig.layout.annotations[0].text.replace(
            "<br>", " "
        )
    per_year = plots.flights_per_year(planned)
    assert [t.name for t in per_year.data] == [plots.PLANNED_NAME]
