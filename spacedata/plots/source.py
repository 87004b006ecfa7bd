"""What a figure says about its rows, under its title: how many are shown (spacecraft, or
flights flown and planned) and where they came from (the source line, from the provenance a
frame carries in ``.attrs``), so that a chart saved as PNG still says where its data came from.

:func:`with_source` puts that subtitle on any plotly figure (e.g. one from plotly express).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..config import CREDIT
from ..provenance import Provenance, provenance_of
from ._figure import SUBTITLE_SIZE, _esc


def source_line(df: pd.DataFrame) -> str:
    """Two short lines: where the frame's data came from, and how complete and how recent."""
    if "source" not in df.attrs:
        return "Source unknown: this frame carries no spacedata provenance."
    prov = Provenance.from_attrs(df.attrs)
    stale = f" ({prov.staleness})" if prov.stale_since else ""
    return f"{prov.label}\n{prov.completeness}, {prov.dated}{stale}. Data: {CREDIT}"


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
    return f"{prov.label}\n{what}, {prov.dated}{stale}. Data: {CREDIT}"


def _flights_provenance(df: pd.DataFrame) -> Provenance | None:
    try:
        return provenance_of(df)
    except ValueError:
        return None


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
