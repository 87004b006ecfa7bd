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


@pytest.fixture(scope="module")
def flights(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("flights") / "syn"
    write_synthetic_snapshot(120, out, seed=3, flights=True)
    df = spacedata.load_flights(out)
    assert len(df) > 200 and df["turn_around_time_days"].notna().any()
    return df


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
    assert (f"{undated:,} flights with no duration" in sub) == (undated > 0)


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
def test_a_source_without_flights_gives_one_message_and_how_to_fetch(build):
    empty = spacedata.load_flights("bundled")
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
