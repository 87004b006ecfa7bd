"""What every figure of :mod:`spacedata.plots` shares: the look (layout, grid, legends,
colours), escaping data text for plotly's bit of HTML, the title and subtitle block, grouping
into the largest groups and "other", the one-message figure, and the assembly of a figure spec
into a :class:`plotly.graph_objects.Figure` (validated unless ``validate=False``), plus
:class:`EmptyText`, what a figure with nothing to draw says.

Nothing here knows spacecraft from flights, or reads provenance.
"""

from __future__ import annotations

import dataclasses
import html
import textwrap
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

DAYS_PER_YEAR = 365.25
#: The scatter draws at most this many points (a random sample beyond, said in its subtitle).
MAX_POINTS = 5000
_GRID = dict(gridcolor="#e5e9f0", linecolor="#c8ced8", zerolinecolor="#c8ced8", automargin=True)
# A few settings instead of template="plotly_white": copying a full template costs ~15 ms a figure.
_LAYOUT = dict(
    template=None,
    paper_bgcolor="white",
    plot_bgcolor="white",
    colorway=[
        "#4c78a8",
        "#f58518",
        "#54a24b",
        "#e45756",
        "#72b7b2",
        "#eeca3b",
        "#b279a2",
        "#ff9da6",
        "#9d755d",
        "#bab0ac",
    ],
    margin=dict(l=10, r=10, t=100, b=40),
    font=dict(size=12),
)
_GROUPS = {"agency": "agency_abbrev", "configuration": "config_name", "config_type": "config_type"}
#: Legends sit under the plot, in rows, so that a narrow chart keeps its width for the data
#: (lower under an x-axis title).
_LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"}
_LEGEND_UNDER_TITLE = {**_LEGEND, "y": -0.3}
#: The flights charts' legends (often a dozen groups): at the bottom of the figure, under the
#: x-axis title whatever the plot's height (``yref`` container: plotly makes room for it), two
#: entries a row, so that on a phone a long legend neither covers the axis title nor takes
#: the plot's height.
_LEGEND_AT_BOTTOM = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "entrywidth": 0.5,
    "entrywidthmode": "fraction",
    "font": {"size": 11},
}
#: A compact chart's note (the title's second line) wraps at this many characters: a phone's
#: chart is about 370 px wide.
NOTE_WIDTH = 60
#: Full names shown on hover next to a short group label.
_FULL_NAMES = {"agency": "agency_name"}
SUBTITLE_SIZE = 12

#: Flights figures draw at most this many groups; the rest are summed as "other".
MAX_GROUPS = 10
OTHER = "other"
#: The colour of "other" in :func:`flights_by_agency`: grey, never one of the groups' colours.
OTHER_COLOR = "#9a9a9a"


@dataclasses.dataclass(frozen=True)
class EmptyText:
    """What a figure says instead of empty axes when it has nothing to draw. The defaults are
    plain words for a notebook; a page with words of its own passes its own (the dashboard:
    :data:`spacedata.dashboard.words.FIGURE_TEXT`)."""

    #: A spacecraft frame with no rows (filtered to nothing).
    no_match: str = "No spacecraft match these filters"
    #: A flights frame filtered to nothing (its source holds flights).
    no_flight_match: str = "No flights match these filters"
    #: A flights frame whose source holds no flight records at all...
    no_flights: str = "No flight records in this source"
    #: ...and how to get them (under :attr:`no_flights`).
    how_to_fetch_flights: str = (
        "Run `spacedata fetch --wait` (Python: spacedata.fetch()): it reads the flights too, "
        "about 18 API calls, more than LL2's free 15 an hour, so --wait spreads them over the "
        "quota. Then load that snapshot."
    )


#: The plain words (:class:`EmptyText`'s defaults).
PLAIN = EmptyText()


def _esc(value: object) -> str:
    """Plotly renders a little HTML in labels: escape data text so it shows as typed."""
    return html.escape(str(value), quote=False)


def _esc_all(values: pd.Series) -> np.ndarray:
    """:func:`_esc` over a column; missing values become None. A plain loop: pandas' ``.str``
    methods cost ~0.5 ms each in fixed overhead, which dominates on a dashboard's small groups."""
    arr = values.to_numpy(dtype=object, na_value=None)
    return np.array([v if v is None else _esc(v) for v in arr], dtype=object)


def _full_names(df: pd.DataFrame, by: str) -> dict[str, str]:
    """Short group label -> its full name in parentheses (escaped) for hover text, where the
    frame has one (agencies); empty otherwise."""
    if by not in _FULL_NAMES or _FULL_NAMES[by] not in df:
        return {}
    short = df[_GROUPS[by]]
    first = df.loc[(~short.duplicated() & short.notna()).to_numpy(), _FULL_NAMES[by]]
    return {
        str(s): f"({_esc(full)})"
        for s, full in zip(short[first.index].tolist(), first.tolist(), strict=True)
        if isinstance(full, str) and str(s) != full
    }


#: Legend entries of the flights charts are cut to this many characters (two a row on a
#: phone); the full label is on hover.
LEGEND_CHARS = 24


def _legend_name(label: str) -> str:
    """A group's legend entry: its label, escaped, cut to :data:`LEGEND_CHARS` with "…"."""
    text = str(label)
    if len(text) > LEGEND_CHARS:
        text = text[: LEGEND_CHARS - 1].rstrip() + "…"
    return _esc(text)


def _labels(values: pd.Series) -> pd.Series:
    """Group labels as text, missing ones as ``(unknown)``."""
    return values.astype("string").fillna("(unknown)").astype(str)


def _top_groups(labels: pd.Series, top: int) -> pd.Series:
    """``labels`` with all but the ``top`` most frequent replaced by :data:`OTHER`."""
    counts = labels.value_counts()
    if len(counts) <= top:
        return labels
    keep = set(counts.index[: max(top, 1)])
    return labels.where(labels.isin(keep), OTHER)


def _wrap(text: str, width: int = 72) -> list[str]:
    return textwrap.wrap(text, width)


def _title(title: str, subtitle: str, note: str = "") -> dict:
    text = _esc(title)
    if note:  # compact: the chart's note on a second, smaller title line (wrapped: no overflow)
        lines = "<br>".join(_esc(line) for line in _note_lines(note))
        text += f"<br><span style='font-size:12px'>{lines}</span>"
    return {
        "text": text,
        "x": 0,
        "xanchor": "left",
        "pad": {"l": 4},
        "font": {"size": 15},
        "subtitle": {"text": subtitle, "font": {"size": SUBTITLE_SIZE, "color": "#555"}},
    }


def _note_lines(note: str) -> list[str]:
    return textwrap.wrap(note.strip(), NOTE_WIDTH) or [""]


def _layout(extra: dict, title: dict) -> dict:
    layout = {**_LAYOUT, **extra, "title": title}
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**_GRID, **extra.get(axis, {})}
    return layout


def _message_figure(title: str, text: str, subtitle: str, validate: bool = True) -> go.Figure:
    """A figure that is one centred message (plotly HTML, already escaped), no axes."""
    note = {
        "text": text,
        "x": 0.5,
        "y": 0.5,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "font": {"size": 16},
    }
    layout = _layout(
        {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "annotations": [note]},
        _title(title, subtitle),
    )
    return _new({"data": [], "layout": layout}, validate)


def _new(spec: dict, validate: bool = True) -> go.Figure:
    """The figure of a ``{"data": ..., "layout": ...}`` spec; ``validate``: with plotly's
    checks of every property (~80% of building a dashboard figure; skipping them changes
    nothing in the figure, which the tests check)."""
    return go.Figure(spec, _validate=validate)


def _figure(
    data: list[dict],
    extra: dict,
    df: pd.DataFrame,
    title: str,
    note: str = "",
    compact: bool = False,
    *,
    subtitle: Callable[..., str],
    validate: bool = True,
) -> go.Figure:
    """Assemble the figure; its subtitle (``subtitle(df, note)``: the spacecraft's or the
    flights' counts and source line, :mod:`spacedata.plots.source`) says how many rows are
    shown and from where (``compact``: the note goes on the title's second line instead, see
    :mod:`spacedata.plots`)."""
    if compact:
        head = _title(title, subtitle(df), note)
        top = 100 + 15 * len(_note_lines(note)) if note else 100
        extra = {**extra, "margin": {**_LAYOUT["margin"], "t": top}}
    else:
        head = _title(title, subtitle(df, note))
    return _new({"data": data, "layout": _layout(extra, head)}, validate)
