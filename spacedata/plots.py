"""Plotly figure builders. Each takes the wide spacecraft frame (:func:`spacedata.load_spacecraft`,
filtered or not) and returns a :class:`plotly.graph_objects.Figure`.

The notebooks and the dashboard both draw with these; nothing here reads data or talks to the
network. Every figure carries a source line from the frame's provenance, and an empty frame
gives a figure that says "No spacecraft match these filters" instead of an empty chart.
Units: totals in years (365.25 days), per-spacecraft durations in days.

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
    margin=dict(l=10, r=10, t=95, b=40),
    font=dict(size=12),
)
_GROUPS = {"agency": "agency_abbrev", "configuration": "config_name", "config_type": "config_type"}


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
    fig.update_layout(title_subtitle_text=_subtitle(df), title_subtitle_font_size=10, margin_t=95)
    return fig


def flights_by_agency(df: pd.DataFrame) -> go.Figure:
    """Stacked bars: total flights per agency, broken down by spacecraft configuration."""
    title = "Flights by agency, by configuration"
    if df.empty:
        return _empty(title, df)
    g = (
        df.groupby(["agency_abbrev", "config_name"], observed=True)["flights_count"]
        .sum()
        .reset_index()
    )
    order = (
        g.groupby("agency_abbrev", observed=True)["flights_count"]
        .sum()
        .sort_values(ascending=False)
    )
    data = [
        {
            "type": "bar",
            "x": part["agency_abbrev"].astype(str).tolist(),
            "y": part["flights_count"].astype(float).tolist(),
            "name": _esc(config),
            "hovertemplate": "%{x} · " + _esc(config) + "<br>%{y} flights<extra></extra>",
        }
        for config, part in g.groupby("config_name", observed=True)
    ]
    layout = {
        "barmode": "stack",
        "yaxis": {"title": {"text": "flights"}},
        "xaxis": {"categoryorder": "array", "categoryarray": [str(a) for a in order.index]},
    }
    return _figure(data, layout, df, title)


def time_in_space_totals(df: pd.DataFrame, by: str = "agency") -> go.Figure:
    """Horizontal bars: total time in space in years, per agency or per configuration.

    Args:
        by: ``"agency"``, ``"configuration"`` or ``"config_type"``.
    """
    title = f"Total time in space by {by.replace('_', ' ')} (years)"
    if df.empty:
        return _empty(title, df)
    col = _GROUPS[by]
    totals = (
        df.groupby(col, observed=True)["time_in_space_days"].sum().div(DAYS_PER_YEAR).sort_values()
    )
    data = [
        {
            "type": "bar",
            "x": totals.tolist(),
            "y": [_esc(v) for v in totals.index],
            "orientation": "h",
            "marker": {"color": "#4c78a8"},
            "hovertemplate": "%{y}: %{x:.2f} years<extra></extra>",
        }
    ]
    layout = {"xaxis": {"title": {"text": "years in space (sum over spacecraft)"}}}
    return _figure(data, layout, df, title)


def time_in_space_distribution(df: pd.DataFrame, by: str = "agency") -> go.Figure:
    """Box per group of each spacecraft's time in space, in days on a log axis.

    Quartiles are computed here, so the figure stays small at any number of rows. Spacecraft
    with no or zero time in space cannot sit on a log axis; how many were left out is shown.
    """
    title = f"Time in space per spacecraft, by {by.replace('_', ' ')} (days, log scale)"
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
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "days in space"}},
        "showlegend": False,
    }
    left_out = int((~(days > 0)).sum())
    note = f"{left_out} spacecraft with no or zero time in space not shown. " if left_out else ""
    return _figure(data, layout, df, title, note)


def top_time_in_space(df: pd.DataFrame, n: int = 15) -> go.Figure:
    """The ``n`` spacecraft longest in space, with their time docked beside it (days)."""
    title = f"Top {n} spacecraft by time in space, with time docked (days)"
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
        "height": max(350, 28 * len(top) + 140),
    }
    return _figure(data, layout, df, title)


def flights_vs_time_in_space(df: pd.DataFrame) -> go.Figure:
    """One point per spacecraft: flights against time in space (days, log axis); beyond
    :data:`MAX_POINTS` spacecraft, a random sample of them (the subtitle says so)."""
    title = "Flights versus time in space, per spacecraft"
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
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "days in space"}},
    }
    return _figure(data, layout, df, title, note)


def _esc(value: object) -> str:
    """Plotly renders a little HTML in labels: escape data text so it shows as typed."""
    return html.escape(str(value), quote=False)


def _esc_all(values: pd.Series) -> np.ndarray:
    """:func:`_esc` over a column; missing values become None. A plain loop: pandas' ``.str``
    methods cost ~0.5 ms each in fixed overhead, which dominates on a dashboard's small groups."""
    arr = values.to_numpy(dtype=object, na_value=None)
    return np.array([v if v is None else _esc(v) for v in arr], dtype=object)


def _subtitle(df: pd.DataFrame, note: str = "") -> str:
    """How many spacecraft are shown and where they came from (plotly HTML, escaped)."""
    return _esc(f"{note}{len(df):,} spacecraft shown · {source_line(df)}").replace("\n", "<br>")


def _title(title: str, subtitle: str) -> dict:
    return {
        "text": _esc(title),
        "x": 0,
        "xanchor": "left",
        "subtitle": {"text": subtitle, "font": {"size": 10}},
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
    data: list[dict], extra: dict, df: pd.DataFrame, title: str, note: str = ""
) -> go.Figure:
    """Assemble the figure; its subtitle says how many spacecraft are shown and from where."""
    return go.Figure({"data": data, "layout": _layout(extra, _title(title, _subtitle(df, note)))})
