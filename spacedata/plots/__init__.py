"""Plotly figure builders. Each takes a wide frame (spacecraft: :func:`spacedata.load_spacecraft`;
flights: :func:`spacedata.load_flights`), filtered or not, and returns a
:class:`plotly.graph_objects.Figure`.

The notebooks and the dashboard both draw with these; nothing here reads data or talks to the
network. Every figure carries a source line from the frame's provenance (its subtitle, so a
chart saved as PNG still says where its data came from), and an empty frame gives a figure that
says so (e.g. "No spacecraft match these filters") instead of an empty chart.
Units: totals in years (365.25 days), per-spacecraft durations in days.

* :mod:`.spacecraft`: the charts of the spacecraft frame (flights by agency, time in space,
  the scatter of flights against time in space).
* :mod:`.flights`: the charts of the flights frame (flights per year, time in space
  accumulated, turnaround), which count **flown** flights only and draw planned ones apart.
* :mod:`.source`: what a figure says about its rows and where they came from;
  :func:`with_source` puts that on any plotly figure.
* :mod:`._figure`: what they share (look, escaping, titles, assembly, :class:`EmptyText`).

Agencies are named by their abbreviation (``NASA``, ``RFSA``, ``SpX``), the full name on hover,
the same vocabulary as the dashboard's filters and table.

Every builder takes the same keywords beside its own:

* ``compact=True`` (the dashboard): a chart's own note (e.g. "5,000 of 9,000 drawn") goes on
  the title's second line and the subtitle holds only the source line, so a page that shows
  its provenance once can hide the subtitles on screen while plotly's PNG export keeps them.
* ``empty``: what the figure says when it has nothing to draw (an :class:`EmptyText`; plain
  words by default, the dashboard passes its own).
* ``palette``: the :class:`Palette` to colour agencies and configurations from
  (:func:`palette_of` the whole data set, so that a name has one colour in every chart and
  filter state; the dashboard passes its data set's). By default, the palette of the frame
  given: pass one to match the colours of charts drawn from other frames.
* ``validate=False``: skip plotly's validation of the figure. Figures are assembled as plain
  dicts and validated once by ``go.Figure(spec)`` (plotly's ``add_*``/``update_*`` methods
  cost ~15 ms a figure, too slow for a dashboard callback). Even that one validation is ~80%
  of building the six dashboard figures (~30 ms a filter change on 20,000 rows), so the
  dashboard's server skips it; the tests build every figure validated and check that skipping
  it changes nothing.
"""

from __future__ import annotations

from ._figure import (
    DAYS_PER_YEAR,
    LEGEND_CHARS,
    MAX_GROUPS,
    MAX_POINTS,
    NOTE_WIDTH,
    OTHER,
    OTHER_COLOR,
    PLAIN,
    SUBTITLE_SIZE,
    EmptyText,
)
from .flights import (
    PLANNED_MARKER,
    PLANNED_NAME,
    cumulative_time_in_space,
    flights_per_year,
    net_label,
    rolling_median,
    turnaround_per_flight,
)
from .palette import COLOURS, Palette, palette_of
from .source import (
    flight_status_counts,
    flights_shown,
    flights_source_line,
    source_line,
    spacecraft_shown,
    with_source,
)
from .spacecraft import (
    BINS_PER_DECADE,
    flights_by_agency,
    flights_vs_time_binned,
    flights_vs_time_in_space,
    time_in_space_distribution,
    time_in_space_totals,
    top_time_in_space,
    years_label,
)

#: The plotly renderer the notebooks use (:func:`use_notebook_renderer`).
NOTEBOOK_RENDERER = "plotly_mimetype+notebook"


def use_notebook_renderer() -> None:
    """Draw plotly charts both in JupyterLab (plotly's mimetype) and in an HTML export made
    with ``jupyter nbconvert --to html``, offline: plotly.js is embedded once per notebook
    (about 4.6 MB), never loaded from a CDN. Call it once, at the top of a notebook."""
    import plotly.io as pio

    pio.renderers.default = NOTEBOOK_RENDERER


__all__ = [
    "BINS_PER_DECADE",
    "COLOURS",
    "DAYS_PER_YEAR",
    "LEGEND_CHARS",
    "MAX_GROUPS",
    "MAX_POINTS",
    "NOTEBOOK_RENDERER",
    "NOTE_WIDTH",
    "OTHER",
    "OTHER_COLOR",
    "PLAIN",
    "PLANNED_MARKER",
    "PLANNED_NAME",
    "Palette",
    "SUBTITLE_SIZE",
    "EmptyText",
    "cumulative_time_in_space",
    "flight_status_counts",
    "flights_by_agency",
    "flights_per_year",
    "flights_shown",
    "flights_source_line",
    "flights_vs_time_binned",
    "flights_vs_time_in_space",
    "net_label",
    "palette_of",
    "rolling_median",
    "source_line",
    "spacecraft_shown",
    "time_in_space_distribution",
    "time_in_space_totals",
    "top_time_in_space",
    "turnaround_per_flight",
    "use_notebook_renderer",
    "with_source",
    "years_label",
]
