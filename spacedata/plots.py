"""Plotly figure builders. Each takes the wide spacecraft frame (:func:`spacedata.load_spacecraft`,
filtered or not) and returns a :class:`plotly.graph_objects.Figure`.

The notebooks and the dashboard both draw with these; nothing here reads data or talks to the
network. Every figure carries a source line from the frame's provenance (its subtitle, so a
chart saved as PNG still says where its data came from), and an empty frame gives a figure that
says "No spacecraft match these filters" instead of an empty chart.
Units: totals in years (365.25 days), per-spacecraft durations in days.

Agencies are named by their abbreviation (``NASA``, ``RFSA``, ``SpX``), the full name on hover,
the same vocabulary as the dashboard's filters and table.

``compact=True`` (the dashboard): a chart's own note (e.g. "5,000 of 9,000 drawn") goes on the
title's second line and the subtitle holds only the source line, so a page that shows its
provenance once can hide the subtitles on screen while plotly's PNG export keeps them.

Figures are assembled as plain dicts and validated once by ``go.Figure(spec)``: plotly's
``add_*``/``update_*`` methods cost ~15 ms a figure, too slow for a dashboard callback.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .config import CREDIT
from .provenance import Provenance

DAYS_PER_YEAR = 365.25
NO_MATCH = "No spacecraft match these filters"
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
#: Full names shown on hover next to a short group label.
_FULL_NAMES = {"agency": "agency_name"}
SUBTITLE_SIZE = 12


def source_line(df: pd.DataFrame) -> str:
    """Two short lines: where the frame's data came from, and how complete and how recent."""
    if "source" not in df.attrs:
        return "Source unknown: this frame carries no spacedata provenance."
    prov = Provenance.from_attrs(df.attrs)
    stale = f" ({prov.staleness})" if prov.stale_since else ""
    return f"{prov.label}\n{prov.completeness}, as of {prov.as_of}{stale}. Data: {CREDIT}"


def with_source(fig: go.Figure, df: pd.DataFrame) -> go.Figure:
    """Put ``df``'s source line under the title of any plotly figure (e.g. one from plotly
    express), so a chart made in a notebook says where its data came from."""
    fig.update_layout(
        title_subtitle_text=_subtitle(df), title_subtitle_font_size=SUBTITLE_SIZE, margin_t=100
    )
    return fig


def flights_by_agency(df: pd.DataFrame, *, compact: bool = False) -> go.Figure:
    """Stacked bars: total flights per agency (abbreviation; full name on hover), broken down by
    spacecraft configuration."""
    title = "Flights by agency and configuration"
    if df.empty:
        return _empty(title, df)
    g = (
        df.groupby(["agency_abbrev", "config_name"], observed=True)["flights_count"]
        .sum()
        .reset_index()
    )
    names = _full_names(df, "agency")
    order = (
        g.groupby("agency_abbrev", observed=True)["flights_count"]
        .sum()
        .sort_values(ascending=False)
    )
    data = [
        {
            "type": "bar",
            "x": (xs := part["agency_abbrev"].astype(str).tolist()),
            "y": part["flights_count"].astype(float).tolist(),
            "name": _esc(config),
            "customdata": [names.get(a, "") for a in xs],
            "hovertemplate": "<b>%{x}</b> %{customdata}<br>"
            + _esc(config)
            + ": %{y} flights<extra></extra>",
        }
        for config, part in g.groupby("config_name", observed=True)
    ]
    layout = {
        "barmode": "stack",
        "yaxis": {"title": {"text": "flights"}},
        "xaxis": {"categoryorder": "array", "categoryarray": [str(a) for a in order.index]},
        "legend": _LEGEND,
    }
    return _figure(data, layout, df, title, compact=compact)


def time_in_space_totals(
    df: pd.DataFrame, by: str = "agency", *, compact: bool = False
) -> go.Figure:
    """Horizontal bars: total time in space in years, per agency or per configuration, each
    labelled with its value (:func:`years_label`: in days or hours when small) so that small
    totals stay readable next to large ones.

    Args:
        by: ``"agency"``, ``"configuration"`` or ``"config_type"``.
    """
    title = f"Time in space by {by.replace('_', ' ')} (years)"
    if df.empty:
        return _empty(title, df)
    col = _GROUPS[by]
    totals = (
        df.groupby(col, observed=True)["time_in_space_days"].sum().div(DAYS_PER_YEAR).sort_values()
    )
    names = _full_names(df, by)
    values = totals.tolist()
    data = [
        {
            "type": "bar",
            "x": values,
            "y": [_esc(v) for v in totals.index],
            "orientation": "h",
            "marker": {"color": "#4c78a8"},
            "text": [years_label(v) for v in values],
            "textposition": "outside",
            "cliponaxis": False,
            "customdata": [names.get(str(v), "") for v in totals.index],
            "hovertemplate": "<b>%{y}</b> %{customdata}<br>%{x:.3f} years<extra></extra>",
        }
    ]
    top = max(values) if values else 0
    layout = {
        "xaxis": {
            "title": {"text": "years in space (sum over spacecraft)"},
            "range": [0, top * 1.3 if top > 0 else 1],  # room for the value labels
        }
    }
    return _figure(data, layout, df, title, compact=compact)


def years_label(years: float) -> str:
    """A bar's value label: ``"2.5 years"``, ``"0.42 years"``; below a tenth of a year in days
    (``"4.5 days"``) and below a day in hours (``"2.6 hours"``), so a small total never reads
    as ``"0.00"``."""
    if years >= 10:
        return f"{years:,.0f} years"
    if years >= 1:
        return f"{years:.1f} years"
    if years >= 0.1:
        return f"{years:.2f} years"
    days = years * DAYS_PER_YEAR
    if days >= 1:
        return f"{days:.1f} days"
    if days <= 0:
        return "0"
    return f"{days * 24:.1f} hours"


def time_in_space_distribution(
    df: pd.DataFrame, by: str = "agency", *, compact: bool = False
) -> go.Figure:
    """Box per group of each spacecraft's time in space, in days on a log axis.

    Quartiles are computed here, so the figure stays small at any number of rows. Spacecraft
    with no or zero time in space cannot sit on a log axis; how many were left out is shown.
    """
    title = f"Days in space per spacecraft, by {by.replace('_', ' ')}"
    if df.empty:
        return _empty(title, df)
    col = _GROUPS[by]
    days = df["time_in_space_days"]
    shown = df[days > 0]
    data = []
    for name, part in shown.groupby(col, observed=True):
        v = part["time_in_space_days"].to_numpy()
        q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])
        data.append(
            {
                "type": "box",
                "name": _esc(name),
                "x": [_esc(name)],  # precomputed quartiles need an explicit position
                "q1": [q1],
                "median": [med],
                "q3": [q3],
                "lowerfence": [v.min()],
                "upperfence": [v.max()],
                "mean": [v.mean()],
                "boxpoints": False,
            }
        )
    layout = {
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "days in space (log scale)"}},
        "showlegend": False,
    }
    left_out = int((~(days > 0)).sum())
    note = f"{left_out} spacecraft with no or zero time in space not shown. " if left_out else ""
    return _figure(data, layout, df, title, note, compact=compact)


def top_time_in_space(df: pd.DataFrame, n: int = 15, *, compact: bool = False) -> go.Figure:
    """The ``n`` spacecraft longest in space, with their time docked beside it (days)."""
    title = f"Top {n} by days in space, and days docked"
    if df.empty:
        return _empty(title, df)
    top = df.nlargest(n, "time_in_space_days").iloc[::-1]
    labels = [_esc(v) for v in top["name"].astype(str)]
    bar = {"type": "bar", "y": labels, "orientation": "h"}
    data = [
        {
            **bar,
            "x": top["time_in_space_days"].tolist(),
            "name": "time in space",
            "marker": {"color": "#4c78a8"},
            "hovertemplate": "%{y}: %{x:.1f} days in space<extra></extra>",
        },
        {
            **bar,
            "x": top["time_docked_days"].tolist(),
            "name": "time docked",
            "marker": {"color": "#f58518"},
            "hovertemplate": "%{y}: %{x:.1f} days docked<extra></extra>",
        },
    ]
    layout = {
        "barmode": "group",
        "xaxis": {"title": {"text": "days"}},
        "legend": _LEGEND_UNDER_TITLE,
        "height": max(350, 28 * len(top) + 140),
    }
    return _figure(data, layout, df, title, compact=compact)


def flights_vs_time_in_space(df: pd.DataFrame, *, compact: bool = False) -> go.Figure:
    """One point per spacecraft: flights against time in space (days, log axis); beyond
    :data:`MAX_POINTS` spacecraft, a random sample of them (the subtitle says so)."""
    title = "Flights vs days in space, per spacecraft"
    if df.empty:
        return _empty(title, df)
    drawn, note = df, ""
    if len(df) > MAX_POINTS:  # SVG stays responsive up to a few thousand points
        drawn = df.sample(MAX_POINTS, random_state=0)
        note = f"{MAX_POINTS:,} of {len(df):,} drawn, a random sample. "
    data = []
    for config, part in drawn.groupby("config_name", observed=True):
        names = _esc_all(part["name"])
        serials = _esc_all(part["serial_number"].fillna("—"))
        data.append(
            {
                "type": "scatter",
                "x": part["flights_count"].to_numpy(dtype=float, na_value=np.nan),
                "y": part["time_in_space_days"].to_numpy(),
                "mode": "markers",
                "name": _esc(config),
                "customdata": np.column_stack([names, serials]),
                "marker": {"size": 8, "opacity": 0.75},
                "hovertemplate": (
                    "<b>%{customdata[0]}</b><br>serial %{customdata[1]}<br>"
                    + _esc(config)
                    + "<br>%{x} flights · %{y:.1f} days in space<extra></extra>"
                ),
            }
        )
    layout = {
        "xaxis": {"title": {"text": "flights"}},
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "days in space (log scale)"}},
        "legend": _LEGEND_UNDER_TITLE,
    }
    return _figure(data, layout, df, title, note, compact=compact)


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


def _subtitle(df: pd.DataFrame, note: str = "") -> str:
    """How many spacecraft are shown and where they came from (plotly HTML, escaped)."""
    return _esc(f"{note}{len(df):,} spacecraft shown · {source_line(df)}").replace("\n", "<br>")


def _title(title: str, subtitle: str, note: str = "") -> dict:
    text = _esc(title)
    if note:  # compact: the chart's note on a second, smaller title line
        text += f"<br><span style='font-size:12px'>{_esc(note.strip())}</span>"
    return {
        "text": text,
        "x": 0,
        "xanchor": "left",
        "pad": {"l": 4},
        "font": {"size": 15},
        "subtitle": {"text": subtitle, "font": {"size": SUBTITLE_SIZE, "color": "#555"}},
    }


def _layout(extra: dict, title: dict) -> dict:
    layout = {**_LAYOUT, **extra, "title": title}
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**_GRID, **extra.get(axis, {})}
    return layout


def _empty(title: str, df: pd.DataFrame) -> go.Figure:
    """The "no match" figure, still saying where the (filtered-out) data came from."""
    note = {
        "text": NO_MATCH,
        "x": 0.5,
        "y": 0.5,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "font": {"size": 16},
    }
    layout = _layout(
        {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "annotations": [note]},
        _title(title, _subtitle(df)),
    )
    return go.Figure({"data": [], "layout": layout})


def _figure(
    data: list[dict],
    extra: dict,
    df: pd.DataFrame,
    title: str,
    note: str = "",
    compact: bool = False,
) -> go.Figure:
    """Assemble the figure; its subtitle says how many spacecraft are shown and from where
    (``compact``: the note goes on the title's second line instead, see the module doc)."""
    if compact:
        head = _title(title, _subtitle(df), note)
        extra = {**extra, "margin": {**_LAYOUT["margin"], "t": 115 if note else 100}}
    else:
        head = _title(title, _subtitle(df, note))
    return go.Figure({"data": data, "layout": _layout(extra, head)})
