"""The figures over the wide spacecraft frame (:func:`spacedata.load_spacecraft`, filtered or
not): one row per spacecraft. Their subtitles count spacecraft (and how many of them are known
only from their flights). A spacecraft's ``flights_count`` is LL2's count of its flights
(flown ones: a craft still waiting for its first launch has 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._figure import (
    _GROUPS,
    _LEGEND_AT_BOTTOM,
    DAYS_PER_YEAR,
    MAX_GROUPS,
    MAX_POINTS,
    OTHER,
    OTHER_COLOR,
    PLAIN,
    EmptyText,
    _category_ticks,
    _esc,
    _esc_all,
    _figure,
    _full_names,
    _labels,
    _legend_name,
    _log_ticks,
    _message_figure,
)
from .palette import Palette, _palette
from .source import _subtitle


def flights_by_agency(
    df: pd.DataFrame,
    *,
    top: int | None = None,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """Stacked bars: total flights per agency (abbreviation; full name on hover), broken down by
    spacecraft configuration: the ``top`` configurations with most flights (default
    :data:`MAX_GROUPS`) each get a colour, the rest are stacked as "other" (the bundled
    sample alone has 25 configurations)."""
    title = "Flights by agency and configuration"
    if df.empty:
        return _empty(title, df, empty, validate)
    top = MAX_GROUPS if top is None else top
    configs = df["config_name"].astype("string").fillna("(unknown)")
    by_flights = df.groupby(configs, observed=True)["flights_count"].sum()
    keep = set(by_flights.sort_values(ascending=False, kind="stable").index[: max(top, 1)])
    if len(by_flights) > top:
        configs = configs.where(configs.isin(keep), OTHER)
    g = (
        df.assign(config_name=configs)
        .groupby(["agency_abbrev", "config_name"], observed=True)["flights_count"]
        .sum()
        .reset_index()
    )
    names = _full_names(df, "agency")
    colours = _palette(df, palette)
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
            "name": _legend_name(config, compact),  # full on hover
            "marker": {"color": colours.colour("configuration", config)},
            "customdata": [names.get(a, "") for a in xs],
            "hovertemplate": "<b>%{x}</b> %{customdata}<br>"
            + _esc(config)
            + ": %{y} flights<extra></extra>",
        }
        for config, part in sorted(  # "other" last
            g.groupby("config_name", observed=True), key=lambda kv: kv[0] == OTHER
        )
    ]
    layout = {
        "barmode": "stack",
        "yaxis": {"title": {"text": "flights"}},
        "xaxis": {"categoryorder": "array", "categoryarray": [str(a) for a in order.index]},
        "legend": _LEGEND_AT_BOTTOM,
    }
    return _figure(data, layout, df, title, compact=compact, subtitle=_subtitle, validate=validate)


def time_in_space_totals(
    df: pd.DataFrame,
    by: str = "agency",
    *,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """Horizontal bars: total time in space in years, per agency or per configuration, each
    labelled with its value (:func:`years_label`: in days or hours when small) so that small
    totals stay readable next to large ones.

    Args:
        by: ``"agency"``, ``"configuration"`` or ``"config_type"``.
    """
    title = f"Time in space by {by.replace('_', ' ')} (years)"
    if df.empty:
        return _empty(title, df, empty, validate)
    col = _GROUPS[by]
    totals = (
        df.groupby(col, observed=True)["time_in_space_days"].sum().div(DAYS_PER_YEAR).sort_values()
    )
    names = _full_names(df, by)
    colours = _palette(df, palette).colours_of(by, totals.index)
    labels = [_esc(v) for v in totals.index]
    hover = [names.get(str(v), "") for v in totals.index]
    if compact and len(totals) > TOP_BARS:  # a bar a line that a phone can label
        rest = len(totals) - TOP_BARS + 1
        other = float(totals.iloc[:rest].sum())
        keep = slice(rest, None)
        summed = f"({rest} {_plural(by, rest)} summed)"
        totals = pd.concat([pd.Series([other], index=[OTHER]), totals.iloc[keep]])
        labels, hover = [OTHER] + labels[keep], [summed] + hover[keep]
        colours = [OTHER_COLOR] + colours[keep]
    values = totals.tolist()
    data = [
        {
            "type": "bar",
            "x": values,
            "y": labels,
            "orientation": "h",
            "marker": {"color": colours},
            "text": [years_label(v) for v in values],
            "textposition": "outside",
            "cliponaxis": False,
            "customdata": hover,
            "hovertemplate": "<b>%{y}</b> %{customdata}<br>%{x:.3f} years<extra></extra>",
        }
    ]
    top = max(values) if values else 0
    layout = {
        "xaxis": {
            "title": {"text": "years (sum over spacecraft)" if compact else _SUM_TITLE},
            "range": [0, top * 1.35 if top > 0 else 1],  # room for the value labels
        },
        "yaxis": _category_ticks(labels, compact),
    }
    return _figure(data, layout, df, title, compact=compact, subtitle=_subtitle, validate=validate)


#: A compact :func:`time_in_space_totals` draws this many bars, the rest summed in one.
TOP_BARS = 12
_SUM_TITLE = "years in space (sum over spacecraft)"


def _plural(by: str, n: int) -> str:
    word = {"agency": "agencies", "configuration": "configurations", "config_type": "types"}[by]
    return word if n != 1 else word[:-3] + "y" if by == "agency" else word[:-1]


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
    df: pd.DataFrame,
    by: str = "agency",
    *,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """Box per group of each spacecraft's time in space, in days on a log axis.

    Quartiles are computed here, so the figure stays small at any number of rows. Spacecraft
    with no or zero time in space cannot sit on a log axis; how many were left out is shown.
    """
    title = f"Days in space per spacecraft, by {by.replace('_', ' ')}"
    if df.empty:
        return _empty(title, df, empty, validate)
    col = _GROUPS[by]
    days = df["time_in_space_days"]
    shown = df[days > 0]
    colours = _palette(df, palette)
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
                "line": {"color": colours.colour(by, name)},
            }
        )
    fences = [v for t in data for v in (t["lowerfence"][0], t["upperfence"][0])]
    title_y = "days in space (log)" if compact else "days in space (log scale)"
    layout = {
        "yaxis": _log_ticks(fences, title_y),
        "xaxis": {**_category_ticks([t["x"][0] for t in data], compact), "tickangle": -90},
        "showlegend": False,
    }
    left_out = int((~(days > 0)).sum())
    note = f"{left_out} spacecraft with no or zero time in space not shown. " if left_out else ""
    return _figure(
        data, layout, df, title, note, compact=compact, subtitle=_subtitle, validate=validate
    )


def top_time_in_space(
    df: pd.DataFrame,
    n: int = 15,
    *,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """The ``n`` spacecraft longest in space, with their time docked beside it (days)."""
    title = f"Top {n} by days in space, and days docked"
    if df.empty:
        return _empty(title, df, empty, validate)
    top = df.nlargest(n, "time_in_space_days").iloc[::-1]
    labels = _unique([_esc(v) for v in top["name"].astype(str)])
    bar = {"type": "bar", "y": labels, "orientation": "h"}
    data = [
        {
            **bar,
            "x": top["time_in_space_days"].tolist(),
            "name": "time in space",
            "marker": {"color": IN_SPACE_COLOR},
            "hovertemplate": "%{y}: %{x:.1f} days in space<extra></extra>",
        },
        {  # drawn inside its time in space (docked is part of it), narrower
            **bar,
            "x": top["time_docked_days"].tolist(),
            "name": "time docked",
            "width": 0.45,
            "marker": {"color": DOCKED_COLOR},
            "hovertemplate": "%{y}: %{x:.1f} days docked<extra></extra>",
        },
    ]
    layout = {
        "barmode": "overlay",
        "bargap": 0.2,
        "xaxis": {"title": {"text": "days"}, "tickformat": "~s", "nticks": 6},
        "yaxis": _category_ticks(labels, compact),
        "legend": _LEGEND_AT_BOTTOM,
    }
    if not compact:  # a notebook's chart grows with its bars; the dashboard's box is fixed
        layout["height"] = max(350, 22 * len(top) + 160)
    return _figure(data, layout, df, title, compact=compact, subtitle=_subtitle, validate=validate)


#: :func:`top_time_in_space`'s two bars: colours no agency or configuration has.
IN_SPACE_COLOR = "#2f4b6e"
DOCKED_COLOR = "#8fbde0"


def _unique(labels: list[str]) -> list[str]:
    """Category labels made unique (a second "Soyuz" becomes "Soyuz (2)"): plotly would draw
    two bars of one category on one line."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def flights_vs_time_in_space(
    df: pd.DataFrame,
    *,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    bin_above: int | None = None,
    palette: Palette | None = None,
) -> go.Figure:
    """One point per spacecraft: flights against time in space (days, log axis); beyond
    :data:`MAX_POINTS` spacecraft, a random sample of them (the subtitle says so).

    ``bin_above``: beyond this many spacecraft, draw aggregates instead of spacecraft: one
    marker per flight count and time-in-space bin (:data:`BINS_PER_DECADE` a decade of days),
    its area and colour by how many spacecraft it holds (:func:`flights_vs_time_binned`).
    """
    if bin_above is not None and len(df) > bin_above:
        return flights_vs_time_binned(df, compact=compact, validate=validate, empty=empty)
    title = "Flights vs days in space, per spacecraft"
    if df.empty:
        return _empty(title, df, empty, validate)
    drawn, note = df, ""
    if len(df) > MAX_POINTS:  # SVG stays responsive up to a few thousand points
        drawn = df.sample(MAX_POINTS, random_state=0)
        note = f"{MAX_POINTS:,} of {len(df):,} drawn, a random sample. "
    # a log axis cannot show 0 days: say how many are not drawn (e.g. not flown yet)
    unplaced = int((~(df["time_in_space_days"] > 0).fillna(False)).sum())
    if unplaced:
        note += f"{unplaced:,} spacecraft with no time in space (e.g. not flown yet) not drawn. "
    colours = _palette(df, palette)
    groups = _labels(drawn["config_name"])
    # the configurations with most flights, as in the stacked bars (and the palette's ranking)
    flights = drawn["flights_count"].astype("Float64").fillna(0).groupby(groups.to_numpy()).sum()
    ranked = sorted(flights.index, key=lambda g: (-flights[g], g))
    if len(ranked) > MAX_GROUPS:
        groups = groups.where(groups.isin(set(ranked[:MAX_GROUPS])), OTHER)
    present = set(groups)
    order = [g for g in ranked if g in present] + ([OTHER] if OTHER in present else [])
    if OTHER in order:  # "other" last in the legend
        order = [g for g in order if g != OTHER] + [OTHER]
    data = []
    for config in order:
        part = drawn[(groups == config).to_numpy()]
        names = _esc_all(part["name"])
        serials = _esc_all(part["serial_number"].fillna("—"))
        data.append(
            {
                "type": "scatter",
                "x": part["flights_count"].to_numpy(dtype=float, na_value=np.nan),
                "y": part["time_in_space_days"].to_numpy(),
                "mode": "markers",
                "name": _legend_name(config, compact),  # full on hover
                "customdata": np.column_stack([names, serials, _esc_all(part["config_name"])]),
                "marker": {
                    "size": 8,
                    "opacity": 0.75,
                    "color": colours.colour("configuration", config),
                },
                "hovertemplate": (
                    "<b>%{customdata[0]}</b><br>serial %{customdata[1]}<br>"
                    "%{customdata[2]}<br>%{x} flights · %{y:.1f} days in space<extra></extra>"
                ),
            }
        )
    layout = {
        "xaxis": {"title": {"text": "flights"}},
        "yaxis": _log_ticks(
            drawn["time_in_space_days"].to_numpy(dtype=float, na_value=np.nan),
            "days in space (log)" if compact else "days in space (log scale)",
        ),
        "legend": _LEGEND_AT_BOTTOM,
    }
    return _figure(
        data, layout, df, title, note, compact=compact, subtitle=_subtitle, validate=validate
    )


#: Time-in-space bins a decade of days in :func:`flights_vs_time_binned`.
BINS_PER_DECADE = 8


def flights_vs_time_binned(
    df: pd.DataFrame, *, compact: bool = False, validate: bool = True, empty: EmptyText = PLAIN
) -> go.Figure:
    """Flights against time in space (days, log axis) as aggregates: one marker per flight
    count and time-in-space bin (:data:`BINS_PER_DECADE` a decade), sized and coloured by the
    number of spacecraft in it. A few hundred markers at any number of rows."""
    title = "Flights vs days in space, spacecraft per bin"
    if df.empty:
        return _empty(title, df, empty, validate)
    days = df["time_in_space_days"].to_numpy(dtype=float, na_value=np.nan)
    flights = df["flights_count"].to_numpy(dtype=float, na_value=np.nan)
    ok = (days > 0) & np.isfinite(flights)
    edge = np.floor(np.log10(days[ok]) * BINS_PER_DECADE)
    g = (
        pd.DataFrame({"flights": flights[ok], "bin": edge})
        .groupby(["flights", "bin"])
        .size()
        .reset_index(name="n")
    )
    lo = 10 ** (g["bin"].to_numpy() / BINS_PER_DECADE)
    hi = 10 ** ((g["bin"].to_numpy() + 1) / BINS_PER_DECADE)
    counts = g["n"].to_numpy()
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": g["flights"].tolist(),
            "y": np.sqrt(lo * hi).round(3).tolist(),  # the bin's middle on the log axis
            "customdata": np.column_stack([counts, lo.round(1), hi.round(1)]).tolist(),
            "marker": {
                "size": (6 + 24 * np.sqrt(counts / counts.max())).round(1).tolist(),
                "color": counts.tolist(),
                "colorscale": "Blues",
                "cmin": 0,
                "showscale": True,
                "colorbar": {"title": {"text": "spacecraft"}, "thickness": 12},
                "line": {"width": 0.5, "color": "#4c78a8"},
            },
            "name": "spacecraft",
            "hovertemplate": (
                "%{customdata[0]:,} spacecraft<br>%{x} flights · "
                "%{customdata[1]}–%{customdata[2]} days in space<extra></extra>"
            ),
            "showlegend": False,
        }
    ]
    layout = {
        "xaxis": {"title": {"text": "flights"}},
        "yaxis": _log_ticks(days[ok], "days in space (log)"),
    }
    left_out = int((~ok).sum())
    note = f"{len(df):,} spacecraft in bins" + (
        f"; {left_out:,} with no time in space not shown. " if left_out else ". "
    )
    return _figure(
        data, layout, df, title, note, compact=compact, subtitle=_subtitle, validate=validate
    )


def _empty(title: str, df: pd.DataFrame, empty: EmptyText, validate: bool) -> go.Figure:
    """The "no match" figure (``empty.no_match``), still saying where the (filtered-out) data
    came from."""
    return _message_figure(title, _esc(empty.no_match), _subtitle(df), validate)
