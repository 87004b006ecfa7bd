"""Plotly figure builders. Each takes the wide spacecraft frame (:func:`spacedata.load_spacecraft`,
filtered or not) and returns a :class:`plotly.graph_objects.Figure`.

The notebooks and the dashboard both draw with these; nothing here reads data or talks to the
network. Every figure carries a source line from the frame's provenance, and an empty frame
gives a figure that says "No spacecraft match these filters" instead of an empty chart.
Units: totals in years (365.25 days), per-spacecraft durations in days.
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
_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=10, r=10, t=95, b=40),
    font=dict(size=12),
)
_GROUPS = {"agency": "agency_abbrev", "configuration": "config_name", "config_type": "config_type"}


def source_line(df: pd.DataFrame) -> str:
    """Two short lines: where the frame's data came from, and how complete and how recent."""
    if "source" not in df.attrs:
        return "Source unknown: this frame carries no spacedata provenance."
    prov = Provenance.from_attrs(df.attrs)
    return f"{prov.label}\n{prov.completeness}, as of {prov.as_of}. Data: {CREDIT}"


def flights_by_agency(df: pd.DataFrame) -> go.Figure:
    """Stacked bars: total flights per agency, broken down by spacecraft configuration."""
    if df.empty:
        return _empty("Flights by agency")
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
    fig = go.Figure()
    for config, part in g.groupby("config_name", observed=True):
        fig.add_bar(
            x=part["agency_abbrev"].astype(str),
            y=part["flights_count"].astype(float),
            name=_esc(config),
            hovertemplate="%{x} · " + _esc(config) + "<br>%{y} flights<extra></extra>",
        )
    fig.update_layout(barmode="stack", yaxis_title="flights")
    fig.update_xaxes(categoryorder="array", categoryarray=[str(a) for a in order.index])
    return _finish(fig, df, "Flights by agency, by configuration")


def time_in_space_totals(df: pd.DataFrame, by: str = "agency") -> go.Figure:
    """Horizontal bars: total time in space in years, per agency or per configuration.

    Args:
        by: ``"agency"``, ``"configuration"`` or ``"config_type"``.
    """
    title = f"Total time in space by {by.replace('_', ' ')} (years)"
    if df.empty:
        return _empty(title)
    col = _GROUPS[by]
    totals = (
        df.groupby(col, observed=True)["time_in_space_days"].sum().div(DAYS_PER_YEAR).sort_values()
    )
    fig = go.Figure(
        go.Bar(
            x=totals.to_numpy(),
            y=[_esc(v) for v in totals.index],
            orientation="h",
            marker_color="#4c78a8",
            hovertemplate="%{y}: %{x:.2f} years<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title="years in space (sum over spacecraft)")
    return _finish(fig, df, title)


def time_in_space_distribution(df: pd.DataFrame, by: str = "agency") -> go.Figure:
    """Box per group of each spacecraft's time in space, in days on a log axis.

    Quartiles are computed here, so the figure stays small at any number of rows. Spacecraft
    with no or zero time in space cannot sit on a log axis; how many were left out is shown.
    """
    title = f"Time in space per spacecraft, by {by.replace('_', ' ')} (days, log scale)"
    if df.empty:
        return _empty(title)
    col = _GROUPS[by]
    days = df["time_in_space_days"]
    shown = df[days > 0]
    fig = go.Figure()
    for name, part in shown.groupby(col, observed=True):
        v = part["time_in_space_days"].to_numpy()
        q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])
        fig.add_box(
            name=_esc(name),
            q1=[q1],
            median=[med],
            q3=[q3],
            lowerfence=[v.min()],
            upperfence=[v.max()],
            mean=[v.mean()],
            boxpoints=False,
            hovertemplate=None,
        )
    fig.update_layout(yaxis_type="log", yaxis_title="days in space", showlegend=False)
    fig.update_yaxes(dtick=1)  # decades only
    left_out = int((~(days > 0)).sum())
    note = f"{left_out} spacecraft with no or zero time in space not shown. " if left_out else ""
    return _finish(fig, df, title, note)


def top_time_in_space(df: pd.DataFrame, n: int = 15) -> go.Figure:
    """The ``n`` spacecraft longest in space, with their time docked beside it (days)."""
    title = f"Top {n} spacecraft by time in space, with time docked (days)"
    if df.empty:
        return _empty(title)
    top = df.nlargest(n, "time_in_space_days").iloc[::-1]
    labels = [_esc(v) for v in top["name"].astype(str)]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=top["time_in_space_days"].to_numpy(),
        name="time in space",
        orientation="h",
        marker_color="#4c78a8",
        hovertemplate="%{y}: %{x:.1f} days in space<extra></extra>",
    )
    fig.add_bar(
        y=labels,
        x=top["time_docked_days"].to_numpy(),
        name="time docked",
        orientation="h",
        marker_color="#f58518",
        hovertemplate="%{y}: %{x:.1f} days docked<extra></extra>",
    )
    fig.update_layout(barmode="group", xaxis_title="days", height=max(350, 28 * len(top) + 140))
    return _finish(fig, df, title)


def flights_vs_time_in_space(df: pd.DataFrame) -> go.Figure:
    """One point per spacecraft: flights against time in space (days, log axis)."""
    title = "Flights versus time in space, per spacecraft"
    if df.empty:
        return _empty(title)
    fig = go.Figure()
    for config, part in df.groupby("config_name", observed=True):
        custom = np.column_stack(
            [
                [_esc(v) for v in part["name"].astype(str)],
                [_esc(v) for v in part["serial_number"].fillna("—").astype(str)],
                np.full(len(part), _esc(config), dtype=object),
            ]
        )
        fig.add_scattergl(
            x=part["flights_count"].astype(float).to_numpy(),
            y=part["time_in_space_days"].to_numpy(),
            mode="markers",
            name=_esc(config),
            customdata=custom,
            marker=dict(size=8, opacity=0.75),
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>serial %{customdata[1]}<br>%{customdata[2]}"
                "<br>%{x} flights · %{y:.1f} days in space<extra></extra>"
            ),
        )
    fig.update_layout(xaxis_title="flights", yaxis_title="days in space", yaxis_type="log")
    fig.update_yaxes(dtick=1)
    return _finish(fig, df, title)


def _esc(value: object) -> str:
    """Plotly renders a little HTML in labels: escape data text so it shows as typed."""
    return html.escape(str(value), quote=False)


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=NO_MATCH, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font_size=16
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(**_LAYOUT, title=dict(text=_esc(title), x=0, xanchor="left"))
    return fig


def _finish(fig: go.Figure, df: pd.DataFrame, title: str, note: str = "") -> go.Figure:
    """Title, and a subtitle saying how many spacecraft are shown and where they came from."""
    sub = _esc(f"{note}{len(df):,} spacecraft shown · {source_line(df)}").replace("\n", "<br>")
    fig.update_layout(
        **_LAYOUT,
        title=dict(text=_esc(title), x=0, xanchor="left", subtitle=dict(text=sub, font_size=10)),
    )
    return fig
