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
    "xref": "container",  # from the chart's left edge, not the plot's (after the y axis)
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
#: chart is about 370 px wide (12 px text, about 6.3 px a character).
NOTE_WIDTH = 56
#: A compact chart's title wraps at this many characters (15 px text: about 330 px).
TITLE_WIDTH = 42
#: A compact chart's category labels (bars, boxes) are cut to this many characters, the full
#: label on hover, so that a phone's chart keeps its width for the data.
TICK_CHARS = 20
#: Height of a line of the title block, in px (title 15 px, note 12 px).
_TITLE_LINE = 20
_NOTE_LINE = 15
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


#: Legend entries are cut to this many characters (two a row on a phone, where a legend is
#: as wide as the plot, about 310 px, so half a row holds about 19 characters of 11 px text);
#: the full label is on hover.
LEGEND_CHARS = 18


def _legend_name(label: str, compact: bool = True) -> str:
    """A group's legend entry: its label, escaped; compact (a phone's half row), cut to
    :data:`LEGEND_CHARS` with "…"."""
    text = str(label)
    if compact and len(text) > LEGEND_CHARS:
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


def _short(label: object, chars: int = TICK_CHARS) -> str:
    """A category label cut to ``chars`` characters with "…" (unescaped in, escaped out)."""
    text = str(label)
    if len(text) > chars:
        text = text[: chars - 1].rstrip() + "…"
    return _esc(text)


def _category_ticks(labels: list[str], compact: bool) -> dict:
    """Axis settings that label every category (plotly skips labels when they crowd):
    ``labels`` are the escaped categories; compact, each tick shows them cut to
    :data:`TICK_CHARS` (the full label stays in the data and its hover)."""
    if not compact:
        return {"tickmode": "array", "tickvals": labels, "ticktext": labels}
    short = [_short(html.unescape(v)) for v in labels]
    return {"tickmode": "array", "tickvals": labels, "ticktext": short, "tickfont": {"size": 11}}


def _log_ticks(values, title: str) -> dict:
    """A log axis (days) over ``values`` (positive ones count) with readable ticks: at least
    three labelled, as plain numbers (0.1, 2, 500, 1,000): 1-2-5 a decade over up to two and a
    half decades, 1 to 9 over less than one, one a decade beyond (every other past seven)."""
    v = np.asarray([x for x in np.asarray(values, dtype=float).ravel() if np.isfinite(x) and x > 0])
    axis: dict = {"type": "log", "title": {"text": title}}
    if not len(v):
        return axis
    lo, hi = np.log10(v.min()), np.log10(v.max())
    pad = max(0.06 * (hi - lo), 0.08)
    if hi - lo + 2 * pad < 0.7:  # too narrow for three ticks: widen around the data
        pad = (0.7 - (hi - lo)) / 2
    lo, hi = lo - pad, hi + pad
    span = hi - lo
    steps = range(1, 10) if span < 1 else (1, 2, 5) if span <= 2.5 else (1,)
    every = 2 if span > 7 else 1
    ticks = [
        m * 10.0**e
        for e in range(int(np.floor(lo)), int(np.ceil(hi)) + 1)
        if e % every == 0
        for m in steps
        if lo <= np.log10(m * 10.0**e) <= hi
    ]
    axis.update(
        range=[lo, hi],
        tickmode="array",
        tickvals=ticks,
        ticktext=[_number(t) for t in ticks],
    )
    return axis


def _number(x: float) -> str:
    """A tick's value as plain text: ``0.01``, ``0.5``, ``20``, ``1,000``, ``100k``."""
    if x >= 100_000:
        return f"{x / 1000:,.0f}k"
    if x >= 1:
        return f"{x:,.0f}"
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _title(title: str, subtitle: str, note: str = "", compact: bool = False) -> dict:
    text = "<br>".join(_esc(line) for line in _title_lines(title, compact))
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


def _title_lines(title: str, compact: bool) -> list[str]:
    """A title as shown: one line, or, compact, wrapped at :data:`TITLE_WIDTH` (a phone)."""
    return (textwrap.wrap(title, TITLE_WIDTH) or [""]) if compact else [title]


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
        head = _title(title, subtitle(df), note, compact=True)
        top = 100 + _TITLE_LINE * (len(_title_lines(title, True)) - 1)
        top += _NOTE_LINE * len(_note_lines(note)) if note else 0
        extra = {**extra, "margin": {**_LAYOUT["margin"], **extra.get("margin", {}), "t": top}}
    else:
        head = _title(title, subtitle(df, note))
    return _new({"data": data, "layout": _layout(extra, head)}, validate)
