"""The figures over the flights-wide frame (:func:`spacedata.load_flights`,
:meth:`spacedata.tidy.Tables.flights_wide`): one row per flight, its ``.attrs`` describing the
flights endpoint. Their subtitles count flights, not spacecraft.

They count **flown** flights only (``flown`` True: the launch took place). A planned flight
(``flown`` False: its ``launch_net`` a plan, often a placeholder of coarse precision) achieved
no turnaround and no time in space; where planned flights are drawn at all
(:func:`flights_per_year`) they are one trace apart, hatched, never stacked with flown ones. A
flight whose status is not known (``flown`` NA) is not counted as flown either. Each chart
says what it left out, and its subtitle how many flights are flown and planned.
"""

from __future__ import annotations

import re

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
    PLAIN,
    EmptyText,
    _esc,
    _esc_all,
    _figure,
    _full_names,
    _labels,
    _legend_name,
    _log_ticks,
    _message_figure,
    _top_groups,
    _wrap,
)
from .palette import Palette, _palette
from .source import _flights_provenance, _flights_subtitle, _flown, _planned, flight_status_counts


def flights_per_year(
    df: pd.DataFrame,
    by: str = "agency",
    *,
    top: int = MAX_GROUPS,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """Stacked bars: flown flights per launch year (UTC), by agency or configuration; the
    ``top`` largest groups each get a colour, the rest are stacked as "other". Planned flights
    (not flown yet) are one hatched bar a year beside them, never in the flown stack: their
    year is that of their NET date (a plan, often a placeholder such as 2026-12-31 for "some
    time in 2026"), and their hover says how exact it is ("NET 2026, year precision").
    Flights of unknown status are left out, and said so.

    Args:
        by: ``"agency"`` or ``"configuration"``.
    """
    title = f"Flights per year, by {by.replace('_', ' ')}"
    if df.empty:
        return _flights_empty(title, df, empty, validate)
    known = df["launch_net"].notna().to_numpy()
    flown = _flown(df) & known
    planned = _planned(df) & known
    years = df.loc[flown, "launch_net"].dt.year.astype(int)
    groups = _top_groups(_labels(df.loc[flown, _GROUPS[by]]), top)
    counts = pd.crosstab(years, groups)
    order = counts.sum().sort_values(ascending=False).index.tolist()
    if OTHER in order:  # "other" at the top of the stack, last in the legend
        order = [g for g in order if g != OTHER] + [OTHER]
    names = _full_names(df, by)
    colours = _palette(df, palette)
    data = []
    for group in order:
        col = counts[group]
        col = col[col > 0]
        data.append(
            {
                "type": "bar",
                "x": col.index.tolist(),
                "y": col.astype(float).tolist(),
                "name": _legend_name(group, compact),
                "marker": {"color": colours.colour(by, group)},
                "offsetgroup": "flown",
                "hovertemplate": f"<b>{_esc(group)}</b> {names.get(group, '')}<br>"
                + "%{x}: %{y} flights flown<extra></extra>",
            }
        )
    if planned.any():
        data.append(_planned_bars(df[planned]))
    all_years = df.loc[flown | planned, "launch_net"].dt.year
    span = int(all_years.max() - all_years.min()) if len(all_years) else 0
    layout = {
        "barmode": "stack",
        "bargap": 0.15,
        "bargroupgap": 0.05,
        "xaxis": {
            "title": {"text": "launch year (UTC); planned: year of the NET date"},
            "tickformat": "d",
            **({"dtick": 1} if span <= 12 else {}),
        },
        "yaxis": {"title": {"text": "flights"}},
        "legend": _LEGEND_AT_BOTTOM,
    }
    if not data:
        return _flights_empty(
            title,
            df,
            empty,
            validate,
            "No flown or planned flight here",
            _left_out(df, planned=False),
        )
    left_out = int((~known).sum())
    note = f"{left_out:,} flights with no launch date not shown. " if left_out else ""
    note += _left_out(df, planned=False)
    return _figure(
        data, layout, df, title, note, compact, subtitle=_flights_subtitle, validate=validate
    )


#: How planned flights are drawn in :func:`flights_per_year`: outlined and hatched, no fill of
#: their own, so they never read as flown.
PLANNED_MARKER = {
    "color": "rgba(255,255,255,0)",
    "line": {"color": "#555", "width": 1.5},
    "pattern": {"shape": "/", "fgcolor": "#777", "bgcolor": "white", "size": 7, "solidity": 0.3},
}
PLANNED_NAME = "Planned (not flown)"


def _planned_bars(planned: pd.DataFrame) -> dict:
    """One bar a NET year of the planned flights, its hover listing how exact their dates are
    (``3 × NET 2026, year precision``)."""
    years = planned["launch_net"].dt.year.astype(int)
    labels = [
        net_label(t, p)
        for t, p in zip(planned["launch_net"].tolist(), _precisions(planned).tolist(), strict=True)
    ]
    part = pd.DataFrame({"year": years.to_numpy(), "label": labels})
    xs, ys, texts = [], [], []
    for year, g in part.groupby("year", sort=True):
        counts = g["label"].value_counts(sort=False)
        lines = [f"{n} × {_esc(label)}" if n > 1 else _esc(label) for label, n in counts.items()]
        if len(lines) > 8:
            lines = [*lines[:8], f"… and {len(lines) - 8} more dates"]
        xs.append(int(year))
        ys.append(float(len(g)))
        texts.append("<br>".join(lines))
    return {
        "type": "bar",
        "x": xs,
        "y": ys,
        "name": PLANNED_NAME,
        "offsetgroup": "planned",
        "marker": PLANNED_MARKER,
        "customdata": texts,
        "hovertemplate": "<b>Planned, not flown yet</b><br>%{y} flights with a NET date in %{x}:"
        "<br>%{customdata}<extra></extra>",
    }


_QUARTER = re.compile(r"quarter\s*([1-4])", re.I)
_HALF = re.compile(r"(?:year\s*)?half\s*([12])", re.I)


def net_label(net: pd.Timestamp, precision: object) -> str:
    """A planned launch's NET date as exact as its precision says (LL2's ``net_precision``
    name): ``NET 2026, year precision``, ``NET 2026 Q4, quarter 4 precision``, ``NET 2027 H1,
    year half 1 precision``, ``NET Sep 2026, month precision``, ``NET 2026-07-23 22:45 UTC,
    minute precision``. An unknown precision name is shown as given, with the full date; a
    missing one says so."""
    if pd.isna(net):
        return "no NET date"
    name = str(precision).strip() if isinstance(precision, str) else ""
    key = name.casefold()
    quarter, half = _QUARTER.fullmatch(name), _HALF.fullmatch(name)
    if key in ("year", "fiscal year"):
        when = f"{net.year}"
    elif quarter:
        when = f"{net.year} Q{quarter.group(1)}"
    elif half:
        when = f"{net.year} H{half.group(1)}"
    elif key == "month":
        when = f"{net:%b %Y}"
    elif key in ("week", "day", "morning", "afternoon", "evening", "night"):
        when = f"{net:%Y-%m-%d}"
    elif key == "hour":
        when = f"{net:%Y-%m-%d %H}h UTC"
    elif key == "second":
        when = f"{net:%Y-%m-%d %H:%M:%S} UTC"
    else:
        when = f"{net:%Y-%m-%d %H:%M} UTC"
    return f"NET {when}, " + (f"{key} precision" if name else "precision not given")


def cumulative_time_in_space(
    df: pd.DataFrame,
    by: str = "agency",
    *,
    top: int = MAX_GROUPS,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """Lines: time in space accumulated over the years, in years (``duration_days`` / 365.25
    summed in launch order), one line per agency or configuration (``top`` of them, the rest as
    "other"), over flown flights only (planned ones, and any of unknown status, are counted in
    the note). A flight's whole duration counts at its launch date; flown flights with no
    duration (still in space, or unknown) add nothing and are counted in the note too.

    Args:
        by: ``"agency"`` or ``"configuration"``.
    """
    title = f"Time in space accumulated, by {by.replace('_', ' ')} (years)"
    if df.empty:
        return _flights_empty(title, df, empty, validate)
    flown = _flown(df)
    ok = pd.Series(
        flown & df["launch_net"].notna().to_numpy() & df["duration_days"].notna().to_numpy(),
        index=df.index,
    )
    if not ok.any():
        what = "No flown flight in this frame has a duration"
        return _flights_empty(title, df, empty, validate, what, _left_out(df))
    part = df.loc[ok, ["launch_net", "duration_days"]].copy()
    part["group"] = _top_groups(_labels(df.loc[ok, _GROUPS[by]]), top)
    part = part.sort_values("launch_net", kind="stable")
    order = part.groupby("group")["duration_days"].sum().sort_values(ascending=False).index
    names = _full_names(df, by)
    colours = _palette(df, palette)
    data = []
    for group in order:
        g = part[part["group"] == group]
        years = (g["duration_days"].cumsum() / DAYS_PER_YEAR).round(4)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "line": {"shape": "hv", "width": 2, "color": colours.colour(by, group)},
                "x": g["launch_net"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M").tolist(),
                "y": years.tolist(),
                "name": _legend_name(group, compact),
                "hovertemplate": f"<b>{_esc(group)}</b> {names.get(group, '')}<br>"
                + "%{x|%Y-%m-%d}: %{y:.2f} years in space so far<extra></extra>",
            }
        )
    layout = {
        "xaxis": {"type": "date", "title": {"text": "launch date (UTC)"}},
        "yaxis": {
            "title": {"text": "years (cumulative)" if compact else "years in space (cumulative)"}
        },
        "legend": _LEGEND_AT_BOTTOM,
    }
    left_out = int((~ok.to_numpy() & flown).sum())
    note = (
        f"{left_out:,} flown flights with no duration or launch date (e.g. still in space) "
        "add nothing. "
        if left_out
        else ""
    )
    note += _left_out(df)
    return _figure(
        data, layout, df, title, note, compact, subtitle=_flights_subtitle, validate=validate
    )


def turnaround_per_flight(
    df: pd.DataFrame,
    *,
    window: int = 25,
    top: int = MAX_GROUPS,
    compact: bool = False,
    validate: bool = True,
    empty: EmptyText = PLAIN,
    palette: Palette | None = None,
) -> go.Figure:
    """Turnaround of reused spacecraft: one point per flown flight that had a previous flight
    of the same spacecraft (its ``turn_around_time_days``: days since that flight; LL2's
    forecast for a planned flight is not a turnaround, and is left out), against its
    launch date, coloured by configuration (``top`` of them, the rest as "other"), on a log
    axis; and a line, the rolling median of the ``window`` flights around each (centred, over
    all configurations), for the trend. At most :data:`MAX_POINTS` points (a random sample
    beyond; the median uses them all)."""
    title = "Turnaround of reused spacecraft (days)"  # short: one line on a phone
    if df.empty:
        return _flights_empty(title, df, empty, validate)
    days = df["turn_around_time_days"]
    flown = _flown(df)
    ok = pd.Series(
        flown & (days > 0).fillna(False).to_numpy() & df["launch_net"].notna().to_numpy(),
        index=df.index,
    )
    if not ok.any():
        return _flights_empty(
            title,
            df,
            empty,
            validate,
            "No reused spacecraft here",
            "No flown flight in this frame follows an earlier flight of the same spacecraft, "
            "so there is no turnaround to show. " + _left_out(df),
        )
    reused = df[ok.to_numpy()].sort_values("launch_net", kind="stable")
    when = reused["launch_net"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M")
    drawn, note = reused, ""
    if len(reused) > MAX_POINTS:
        drawn = reused.sample(MAX_POINTS, random_state=0).sort_values("launch_net", kind="stable")
        note = f"{MAX_POINTS:,} of {len(reused):,} reflights drawn, a random sample. "
    groups = _top_groups(_labels(drawn["config_name"]), top)
    order = groups.value_counts().index.tolist()
    if OTHER in order:
        order = [g for g in order if g != OTHER] + [OTHER]
    colours = _palette(df, palette)
    data = []
    for group in order:
        g = drawn[(groups == group).to_numpy()]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": when[g.index].tolist(),
                "y": g["turn_around_time_days"].round(3).tolist(),
                "name": _legend_name(group, compact),
                "marker": {
                    "size": 6,
                    "opacity": 0.6,
                    "color": colours.colour("configuration", group),
                },
                "customdata": np.column_stack(
                    [_esc_all(g["spacecraft_name"]), _esc_all(g["launch_name"])]
                ).tolist(),
                "hovertemplate": "<b>%{customdata[0]}</b> (" + _esc(group) + ")<br>"
                "%{customdata[1]}<br>%{x|%Y-%m-%d}: %{y:.1f} days since its previous flight"
                "<extra></extra>",
            }
        )
    w, median = rolling_median(reused["turn_around_time_days"], window)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": when.tolist(),
            "y": median.round(3).tolist(),
            # compact: short enough for half a phone's legend row
            "name": f"{w}-reflight median" if compact else f"rolling median ({w} reflights)",
            "line": {"color": "#222", "width": 2.5},
            "hovertemplate": f"%{{x|%Y-%m-%d}}: rolling median of {w} reflights, "
            "%{y:.1f} days<extra></extra>",
        }
    )
    layout = {
        "xaxis": {"type": "date", "title": {"text": "launch date (UTC)"}},
        "yaxis": _log_ticks(
            [*drawn["turn_around_time_days"].tolist(), *median.dropna().tolist()],
            "days since previous flight (log)",
        ),
        "legend": _LEGEND_AT_BOTTOM,
    }
    first = int(flown.sum() - ok.sum())
    note += (
        f"{len(reused):,} reflights of {reused['spacecraft_id'].nunique():,} spacecraft; "
        f"{first:,} first flights (or with no turnaround) have none. "
    )
    note += _left_out(df)
    return _figure(
        data, layout, df, title, note, compact, subtitle=_flights_subtitle, validate=validate
    )


def rolling_median(values: pd.Series, window: int) -> tuple[int, pd.Series]:
    """The centred rolling median of ``values`` (in their order) over an odd window of at most
    ``window`` values (fewer when there are fewer values); at either end, where the window is
    cut short, the median of at least half a window. Returns the window used and the medians."""
    w = max(1, min(window, len(values)))
    w -= 1 - w % 2  # odd, so that the window is centred on its value
    med = values.reset_index(drop=True).rolling(w, center=True, min_periods=max(1, w // 2 + 1))
    return w, med.median()


def _precisions(df: pd.DataFrame) -> pd.Series:
    if "launch_net_precision" not in df.columns:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    return df["launch_net_precision"].astype(object).where(df["launch_net_precision"].notna())


def _left_out(df: pd.DataFrame, planned: bool = True) -> str:
    """What a chart of flown flights did not count: ``11 planned flights not counted.`` (with
    ``planned=False``, for a chart that draws them apart, only those of unknown status)."""
    n = flight_status_counts(df)
    out = []
    if planned and n["planned"]:
        out.append(f"{n['planned']:,} planned {_flights_word(n['planned'])} not counted")
    if n["unknown"]:
        out.append(
            f"{n['unknown']:,} {_flights_word(n['unknown'])} of unknown status (not known to "
            "have flown) not counted"
        )
    return "; ".join(out) + ". " if out else ""


def _flights_word(n: int) -> str:
    return "flight" if n == 1 else "flights"


def _flights_empty(
    title: str,
    df: pd.DataFrame,
    empty: EmptyText,
    validate: bool,
    message: str | None = None,
    detail: str | None = None,
) -> go.Figure:
    """One message instead of empty axes. With no ``message``: a source that holds no flight
    records says so and how to fetch them (``empty.no_flights``, ``empty.how_to_fetch_flights``);
    a frame filtered to nothing says ``empty.no_flight_match``."""
    if message is None:
        prov = _flights_provenance(df)
        if prov is not None and prov.records:
            message, detail = empty.no_flight_match, ""
        else:
            message = empty.no_flights
            detail = empty.how_to_fetch_flights if detail is None else detail
    text = f"<b>{_esc(message)}</b>"
    if detail:  # annotations do not wrap by themselves
        lines = _wrap(_esc(detail))
        text += "<br><span style='font-size:12px'>" + "<br>".join(lines) + "</span>"
    return _message_figure(title, text, _flights_subtitle(df), validate)
