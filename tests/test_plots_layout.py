"""The figures' layout where space is short (issue 19, item 4): compact (the dashboard's
charts, about 370 px wide on a phone) titles wrap, category labels are cut with the whole label
in the data and hover, every bar is labelled, log axes carry at least three plain ticks;
not compact (a notebook) they stay whole. The browser half is test_dashboard_phone_charts.py.
"""

from __future__ import annotations

import math

import pytest

import spacedata
from spacedata import plots
from spacedata.plots._figure import _log_ticks


def test_the_figures_say_the_same_in_a_notebook_where_there_is_room():
    """Not compact (a notebook): titles stay one line, tick labels whole, the top chart grows
    with its bars; compact (the dashboard): wrapped and cut to fit a phone."""
    df = spacedata.load_spacecraft("bundled")
    wide = plots.top_time_in_space(df)
    narrow = plots.top_time_in_space(df, compact=True)
    assert wide.layout.height and narrow.layout.height is None
    assert list(wide.layout.yaxis.ticktext) == list(wide.data[0].y)
    assert max(len(t) for t in narrow.layout.yaxis.ticktext) <= 20
    assert list(narrow.layout.yaxis.tickvals) == list(narrow.data[0].y)  # every bar labelled
    dist = plots.time_in_space_distribution(df, "configuration", compact=True)
    assert (
        "<br>" in dist.layout.title.text
        and "<br>"
        not in plots.time_in_space_distribution(df, "configuration").layout.title.text.split(
            "<span"
        )[0]
    )
    assert len(dist.layout.yaxis.tickvals) >= 3 and "1,000" in dist.layout.yaxis.ticktext


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([60, 1000], ["50", "100", "200", "500", "1,000"]),
        ([0.05, 2000], None),  # many decades: one a decade
        ([120, 130], None),  # narrow: widened to three ticks
        ([7.0], None),  # one value
    ],
)
def test_log_axes_carry_at_least_three_plain_ticks(values, ticks):
    axis = _log_ticks(values, "days")
    assert axis["type"] == "log" and len(axis["tickvals"]) >= 3, axis
    lo, hi = axis["range"]
    assert all(lo <= math.log10(t) <= hi for t in axis["tickvals"])
    if ticks is not None:
        assert axis["ticktext"] == ticks
    assert all("e" not in t for t in axis["ticktext"])  # no 1e+3


def test_turnaround_on_the_bundled_sample_has_more_than_one_tick():
    fig = plots.turnaround_per_flight(spacedata.load_flights("bundled"), compact=True)
    assert len(fig.layout.yaxis.tickvals) >= 3
    assert len(fig.data[-1].name) <= plots.LEGEND_CHARS  # the median's entry fits half a row
