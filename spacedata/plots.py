"""Plotly figure builders. Each takes the wide spacecraft frame (:func:`spacedata.load_spacecraft`,
filtered or not) and returns a :class:`plotly.graph_objects.Figure`.

The notebooks and the dashboard both draw with these; nothing here reads data or talks to the
network. Every figure carries a source line from the frame's provenance (its subtitle, so a
chart saved as PNG still says where its data came from), and an empty frame gives a figure that
says "No spacecraft match these filters" instead of an empty chart.
Units: totals in years (365.25 days), per-spacecraft durations in days.

Flights (the figures over a flights frame) count **flown** flights only (``flown`` True: the
launch took place). A planned flight (``flown`` False: its ``launch_net`` a plan, often a
placeholder of coarse precision) achieved no turnaround and no time in space; where planned
flights are drawn at all (:func:`flights_per_year`) they are one trace apart, hatched, never
stacked with flown ones. A flight whose status is not known (``flown`` NA) is not counted as
flown either. Each flights chart says what it left out, and its subtitle how many flights
are flown and planned. A spacecraft's ``flights_count`` is LL2's count of its flights
(flown ones: a craft still waiting for its first launch has 0).

Agencies are named by their abbreviation (``NASA``, ``RFSA``, ``SpX``), the full name on hover,
the same vocabulary as the dashboard's filters and table.

``compact=True`` (the dashboard): a chart's own note (e.g. "5,000 of 9,000 drawn") goes on the
title's second line and the subtitle holds only the source line, so a page that shows its
provenance once can hide the subtitles on screen while plotly's PNG export keeps them.

Figures are assembled as plain dicts and validated once by ``go.Figure(spec)``: plotly's
``add_*``/``update_*`` methods cost ~15 ms a figure, too slow for a dashboard callback. Even
that one validation is ~80% of building the six dashboard figures (~30 ms a filter change on
20,000 rows), so the dashboard's server turns it off (:data:`VALIDATE`); the tests build every
figure validated and check that skipping it changes nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .config import CREDIT
from .provenance import Provenance

#: Validate figures when they are built (plotly's checks of every property). The dashboard's
#: server sets it False (:func:`spacedata.dashboard.load_extensions`): its figures come from
#: the code paths the tests validate.
VALIDATE = True

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


#: The plotly renderer the notebooks use (:func:`use_notebook_renderer`).
NOTEBOOK_RENDERER = "plotly_mimetype+notebook"


def use_notebook_renderer() -> None:
    """Draw plotly charts both in JupyterLab (plotly's mimetype) and in an HTML export made
    with ``jupyter nbconvert --to html``, offline: plotly.js is embedded once per notebook
    (about 4.6 MB), never loaded from a CDN. Call it once, at the top of a notebook."""
    import plotly.io as pio

    pio.renderers.default = NOTEBOOK_RENDERER


def source_line(df: pd.DataFrame) -> str:
    """Two short lines: where the frame's data came from, and how complete and how recent."""
    if "source" not in df.attrs:
        return "Source unknown: this frame carries no spacedata provenance."
    prov = Provenance.from_attrs(df.attrs)
    stale = f" ({prov.staleness})" if prov.stale_since else ""
    return f"{prov.label}\n{prov.completeness}, as of {prov.as_of}{stale}. Data: {CREDIT}"


def with_source(fig: go.Figure, df: pd.DataFrame, *, of: pd.DataFrame | None = None) -> go.Figure:
    """Put what ``df`` holds and its source line under the title of any plotly figure (e.g.
    one from plotly express), so a chart made in a notebook says where its data came from.

    The count names what the rows are: ``20 spacecraft shown`` for a spacecraft frame (one
    row per spacecraft, as a loader returns it, filtered or not), ``1,085 flights shown`` for a
    flights frame, and ``3 rows from 20 spacecraft`` for anything else (a groupby, a
    ``value_counts``, a pivot). That 20 counts the rows of ``of``, the frame the aggregate was
    made from, when given (pass it when you filtered before aggregating); else the records
    its source holds (from the provenance pandas carries in ``.attrs``). The source line
    comes from ``df``, or from ``of`` when ``df`` carries no provenance.
    """
    fig.update_layout(
        title_subtitle_text=_source_subtitle(df, of),
        title_subtitle_font_size=SUBTITLE_SIZE,
        margin_t=100,
    )
    return fig


def flights_by_agency(
    df: pd.DataFrame, *, top: int | None = None, compact: bool = False
) -> go.Figure:
    """Stacked bars: total flights per agency (abbreviation; full name on hover), broken down by
    spacecraft configuration: the ``top`` configurations with most flights (default
    :data:`MAX_GROUPS`) each get a colour, the rest are stacked as "other" (the bundled
    sample alone has 25 configurations)."""
    title = "Flights by agency and configuration"
    if df.empty:
        return _empty(title, df)
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
            **({"marker": {"color": OTHER_COLOR}} if config == OTHER else {}),
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


def flights_vs_time_in_space(
    df: pd.DataFrame, *, compact: bool = False, bin_above: int | None = None
) -> go.Figure:
    """One point per spacecraft: flights against time in space (days, log axis); beyond
    :data:`MAX_POINTS` spacecraft, a random sample of them (the subtitle says so).

    ``bin_above``: beyond this many spacecraft, draw aggregates instead of spacecraft: one
    marker per flight count and time-in-space bin (:data:`BINS_PER_DECADE` a decade of days),
    its area and colour by how many spacecraft it holds (:func:`flights_vs_time_binned`).
    """
    if bin_above is not None and len(df) > bin_above:
        return flights_vs_time_binned(df, compact=compact)
    title = "Flights vs days in space, per spacecraft"
    if df.empty:
        return _empty(title, df)
    drawn, note = df, ""
    if len(df) > MAX_POINTS:  # SVG stays responsive up to a few thousand points
        drawn = df.sample(MAX_POINTS, random_state=0)
        note = f"{MAX_POINTS:,} of {len(df):,} drawn, a random sample. "
    # a log axis cannot show 0 days: say how many are not drawn (e.g. not flown yet)
    unplaced = int((~(df["time_in_space_days"] > 0).fillna(False)).sum())
    if unplaced:
        note += f"{unplaced:,} spacecraft with no time in space (e.g. not flown yet) not drawn. "
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


#: Time-in-space bins a decade of days in :func:`flights_vs_time_binned`.
BINS_PER_DECADE = 8


def flights_vs_time_binned(df: pd.DataFrame, *, compact: bool = False) -> go.Figure:
    """Flights against time in space (days, log axis) as aggregates: one marker per flight
    count and time-in-space bin (:data:`BINS_PER_DECADE` a decade), sized and coloured by the
    number of spacecraft in it. A few hundred markers at any number of rows."""
    title = "Flights vs days in space, spacecraft per bin"
    if df.empty:
        return _empty(title, df)
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
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "days in space (log scale)"}},
    }
    left_out = int((~ok).sum())
    note = f"{len(df):,} spacecraft in bins" + (
        f"; {left_out:,} with no time in space not shown. " if left_out else ". "
    )
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


def _source_subtitle(df: pd.DataFrame, of: pd.DataFrame | None = None) -> str:
    """:func:`with_source`'s subtitle: what the rows are, how many, and the source line."""
    carrier = df if "source" in df.attrs or of is None else of
    flights = _endpoint_of(carrier) == "spacecraft_flights" or (
        "source" not in carrier.attrs and {"spacecraft_id", "launch_net"} <= set(df.columns)
    )
    noun = "flights" if flights else "spacecraft"
    line = flights_source_line(carrier) if flights else source_line(carrier)
    if _one_row_per_record(df, flights):
        count = f"{len(df):,} {noun} shown"
    else:
        of_records = _records_in(of, carrier)
        count = f"{len(df):,} {'row' if len(df) == 1 else 'rows'}" + (
            f" from {of_records:,} {noun}" if of_records is not None else ""
        )
    return _esc(f"{count} · {line}").replace("\n", "<br>")


def _endpoint_of(df: pd.DataFrame) -> str | None:
    """The endpoint whose records ``df`` came from (its ``.attrs``), None if unknown."""
    if df.attrs.get("endpoint"):
        return str(df.attrs["endpoint"])
    if "source" in df.attrs:
        return Provenance.from_attrs(df.attrs).endpoint_name
    return None


def _one_row_per_record(df: pd.DataFrame, flights: bool) -> bool:
    """True if ``df``'s rows are records of its endpoint: a unique, complete ``id`` column
    beside the columns that only a spacecraft (or flights) frame has."""
    if "id" not in df.columns:
        return False
    marks = {"spacecraft_id"} if flights else {"name"}
    if not marks <= set(df.columns) or (not flights and "spacecraft_id" in df.columns):
        return False
    ids = df["id"]
    return bool(ids.notna().all() and ids.is_unique)


def _records_in(of: pd.DataFrame | None, carrier: pd.DataFrame) -> int | None:
    """How many records an aggregate summarises: the rows of ``of`` (unique ids), else the
    records its source holds; None if unknown."""
    if of is not None:
        return int(of["id"].nunique()) if "id" in of.columns else len(of)
    if "source" in carrier.attrs:
        return Provenance.from_attrs(carrier.attrs).records
    return None


def _subtitle(df: pd.DataFrame, note: str = "") -> str:
    """How many spacecraft are shown (and how many of them are known only from their flights)
    and where they came from (plotly HTML, escaped)."""
    return _esc(f"{note}{spacecraft_shown(df)} · {source_line(df)}").replace("\n", "<br>")


def spacecraft_shown(df: pd.DataFrame) -> str:
    """``55 spacecraft shown`` and, when some rows came from the spacecraft records flights
    embed (``seen_in == "spacecraft_flights"``: the spacecraft endpoint's pages lacked them),
    how many: ``55 spacecraft shown (35 known only from their flights)``."""
    text = f"{len(df):,} spacecraft shown"
    if "seen_in" in df.columns:
        from_flights = int((df["seen_in"] == "spacecraft_flights").fillna(False).sum())
        if from_flights:
            text += f" ({from_flights:,} known only from their flights)"
    return text


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
    import textwrap

    return textwrap.wrap(note.strip(), NOTE_WIDTH) or [""]


def _layout(extra: dict, title: dict) -> dict:
    layout = {**_LAYOUT, **extra, "title": title}
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**_GRID, **extra.get(axis, {})}
    return layout


def _empty(title: str, df: pd.DataFrame) -> go.Figure:
    """The "no match" figure, still saying where the (filtered-out) data came from."""
    return _message_figure(title, NO_MATCH, _subtitle(df))


def _message_figure(title: str, text: str, subtitle: str) -> go.Figure:
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
    return _new({"data": [], "layout": layout})


def _new(spec: dict) -> go.Figure:
    """The figure of a ``{"data": ..., "layout": ...}`` spec, validated when :data:`VALIDATE`."""
    return go.Figure(spec, _validate=VALIDATE)


def _figure(
    data: list[dict],
    extra: dict,
    df: pd.DataFrame,
    title: str,
    note: str = "",
    compact: bool = False,
    subtitle: Callable[..., str] | None = None,
) -> go.Figure:
    """Assemble the figure; its subtitle (``subtitle(df, note)``, default :func:`_subtitle`:
    spacecraft; :func:`_flights_subtitle` for flights) says how many rows are shown and from
    where (``compact``: the note goes on the title's second line instead, see the module doc)."""
    subtitle = subtitle or _subtitle
    if compact:
        head = _title(title, subtitle(df), note)
        top = 100 + 15 * len(_note_lines(note)) if note else 100
        extra = {**extra, "margin": {**_LAYOUT["margin"], "t": top}}
    else:
        head = _title(title, subtitle(df, note))
    return _new({"data": data, "layout": _layout(extra, head)})


# ------------------------------------------------------------------------------- flights
# Figures over the flights-wide frame (:func:`spacedata.load_flights`,
# :meth:`spacedata.tidy.Tables.flights_wide`): one row per flight, its ``.attrs`` describing
# the flights endpoint. Their subtitles count flights, not spacecraft.

#: What a flights figure says when its source holds no flight records at all.
NO_FLIGHTS = "No flight records in this source"
#: How to get flight records (shown under :data:`NO_FLIGHTS`).
HOW_TO_FETCH_FLIGHTS = (
    "Run `spacedata fetch --wait` (Python: spacedata.fetch()): it reads the flights too, "
    "about 18 API calls, more than LL2's free 15 an hour, so --wait spreads them over the "
    "quota. Then load that snapshot."
)
NO_FLIGHT_MATCH = "No flights match these filters"
#: Flights figures draw at most this many groups; the rest are summed as "other".
MAX_GROUPS = 10
OTHER = "other"
#: The colour of "other" in :func:`flights_by_agency`: grey, never one of the groups' colours.
OTHER_COLOR = "#9a9a9a"


def _wrap(text: str, width: int = 72) -> list[str]:
    import textwrap  # appended section: imports stay local

    return textwrap.wrap(text, width)


def flights_per_year(
    df: pd.DataFrame, by: str = "agency", *, top: int = MAX_GROUPS, compact: bool = False
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
        return _flights_empty(title, df)
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
    data = []
    for group in order:
        col = counts[group]
        col = col[col > 0]
        data.append(
            {
                "type": "bar",
                "x": col.index.tolist(),
                "y": col.astype(float).tolist(),
                "name": _legend_name(group),
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
            title, df, "No flown or planned flight here", _left_out(df, planned=False)
        )
    left_out = int((~known).sum())
    note = f"{left_out:,} flights with no launch date not shown. " if left_out else ""
    note += _left_out(df, planned=False)
    return _figure(data, layout, df, title, note, compact, _flights_subtitle)


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
    df: pd.DataFrame, by: str = "agency", *, top: int = MAX_GROUPS, compact: bool = False
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
        return _flights_empty(title, df)
    flown = _flown(df)
    ok = pd.Series(
        flown & df["launch_net"].notna().to_numpy() & df["duration_days"].notna().to_numpy(),
        index=df.index,
    )
    if not ok.any():
        what = "No flown flight in this frame has a duration"
        return _flights_empty(title, df, what, _left_out(df))
    part = df.loc[ok, ["launch_net", "duration_days"]].copy()
    part["group"] = _top_groups(_labels(df.loc[ok, _GROUPS[by]]), top)
    part = part.sort_values("launch_net", kind="stable")
    order = part.groupby("group")["duration_days"].sum().sort_values(ascending=False).index
    names = _full_names(df, by)
    data = []
    for group in order:
        g = part[part["group"] == group]
        years = (g["duration_days"].cumsum() / DAYS_PER_YEAR).round(4)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "line": {"shape": "hv", "width": 2},
                "x": g["launch_net"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M").tolist(),
                "y": years.tolist(),
                "name": _legend_name(group),
                "hovertemplate": f"<b>{_esc(group)}</b> {names.get(group, '')}<br>"
                + "%{x|%Y-%m-%d}: %{y:.2f} years in space so far<extra></extra>",
            }
        )
    layout = {
        "xaxis": {"type": "date", "title": {"text": "launch date (UTC)"}},
        "yaxis": {"title": {"text": "years in space (cumulative)"}},
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
    return _figure(data, layout, df, title, note, compact, _flights_subtitle)


def turnaround_per_flight(
    df: pd.DataFrame, *, window: int = 25, top: int = MAX_GROUPS, compact: bool = False
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
        return _flights_empty(title, df)
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
    data = []
    for group in order:
        g = drawn[(groups == group).to_numpy()]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": when[g.index].tolist(),
                "y": g["turn_around_time_days"].round(3).tolist(),
                "name": _legend_name(group),
                "marker": {"size": 6, "opacity": 0.6},
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
            "name": f"rolling median ({w} reflights)",
            "line": {"color": "#222", "width": 2.5},
            "hovertemplate": "%{x|%Y-%m-%d}: median %{y:.1f} days<extra></extra>",
        }
    )
    layout = {
        "xaxis": {"type": "date", "title": {"text": "launch date (UTC)"}},
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "days since previous flight (log)"}},
        "legend": _LEGEND_AT_BOTTOM,
    }
    first = int(flown.sum() - ok.sum())
    note += (
        f"{len(reused):,} reflights of {reused['spacecraft_id'].nunique():,} spacecraft; "
        f"{first:,} first flights (or with no turnaround) have none. "
    )
    note += _left_out(df)
    return _figure(data, layout, df, title, note, compact, _flights_subtitle)


def rolling_median(values: pd.Series, window: int) -> tuple[int, pd.Series]:
    """The centred rolling median of ``values`` (in their order) over an odd window of at most
    ``window`` values (fewer when there are fewer values); at either end, where the window is
    cut short, the median of at least half a window. Returns the window used and the medians."""
    w = max(1, min(window, len(values)))
    w -= 1 - w % 2  # odd, so that the window is centred on its value
    med = values.reset_index(drop=True).rolling(w, center=True, min_periods=max(1, w // 2 + 1))
    return w, med.median()


def flights_source_line(df: pd.DataFrame) -> str:
    """Like :func:`source_line`, for a flights frame: the source, and how complete and how
    recent its flights are (from :func:`spacedata.provenance_of`)."""
    prov = _flights_provenance(df)
    if prov is None:
        return "Source unknown: this frame carries no spacedata provenance."
    stale = f" ({prov.staleness})" if prov.stale_since else ""
    if prov.records == 0 and not prov.count:
        what = "no flight records"
    else:
        what = f"flights {prov.completeness}"
    return f"{prov.label}\n{what}, as of {prov.as_of}{stale}. Data: {CREDIT}"


def _flights_provenance(df: pd.DataFrame) -> Provenance | None:
    from .provenance import provenance_of  # appended section: imports stay local

    try:
        return provenance_of(df)
    except ValueError:
        return None


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


def _flights_subtitle(df: pd.DataFrame, note: str = "") -> str:
    """How many flights are shown (flown, planned, of unknown status) and where they came from
    (plotly HTML, escaped)."""
    line = flights_source_line(df)
    return _esc(f"{note}{flights_shown(df)} · {line}").replace("\n", "<br>")


def flight_status_counts(df: pd.DataFrame) -> dict[str, int]:
    """How many flights of ``df`` are ``flown``, ``planned`` and of ``unknown`` status (NA)."""
    flown, planned = _flown(df), _planned(df)
    return {
        "flown": int(flown.sum()),
        "planned": int(planned.sum()),
        "unknown": int(len(df) - flown.sum() - planned.sum()),
    }


def flights_shown(df: pd.DataFrame) -> str:
    """``38 flights shown (27 flown, 11 planned)`` (and ``, 1 of unknown status``)."""
    n = flight_status_counts(df)
    parts = [f"{n['flown']:,} flown", f"{n['planned']:,} planned"]
    if n["unknown"]:
        parts.append(f"{n['unknown']:,} of unknown status")
    return f"{len(df):,} flights shown ({', '.join(parts)})"


def _flown(df: pd.DataFrame) -> np.ndarray:
    """Flights that flew (``flown`` True); NA (unknown status) is not flown. A frame without
    the column (made before spacedata knew planned flights) counts every flight as flown."""
    if "flown" not in df.columns:
        return np.ones(len(df), dtype=bool)
    return df["flown"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _planned(df: pd.DataFrame) -> np.ndarray:
    """Flights that have not flown yet (``flown`` False; not NA)."""
    if "flown" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return (~df["flown"].astype("boolean")).fillna(False).to_numpy(dtype=bool)


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
    title: str, df: pd.DataFrame, message: str | None = None, detail: str | None = None
) -> go.Figure:
    """One message instead of empty axes. With no ``message``: a source that holds no flight
    records says so and how to fetch them (:data:`HOW_TO_FETCH_FLIGHTS`); a frame filtered to
    nothing says :data:`NO_FLIGHT_MATCH`."""
    if message is None:
        prov = _flights_provenance(df)
        if prov is not None and prov.records:
            message, detail = NO_FLIGHT_MATCH, ""
        else:
            message = NO_FLIGHTS
            detail = HOW_TO_FETCH_FLIGHTS if detail is None else detail
    text = f"<b>{_esc(message)}</b>"
    if detail:  # annotations do not wrap by themselves
        lines = _wrap(_esc(detail))
        text += "<br><span style='font-size:12px'>" + "<br>".join(lines) + "</span>"
    return _message_figure(title, text, _flights_subtitle(df))
