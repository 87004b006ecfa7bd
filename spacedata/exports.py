"""Exporting tables for R, Excel, DuckDB, Arrow and colleagues: CSV, Parquet or JSON, each with a
provenance sidecar a recipient can cite the data from.

>>> import spacedata
>>> df = spacedata.load_spacecraft("local")
>>> spacedata.export(df, "spacecraft.csv")            # + spacecraft.csv.provenance.json
>>> spacedata.export(spacedata.load_tables("local"), "tables", format="parquet")
...                                                   # tables/<name>.parquet + provenance.json

**CSV convention** (also written into the sidecar under ``conventions``):

* UTF-8 without a byte-order mark, comma-separated, one header row, RFC 4180 quoting
  (fields holding a comma, quote or line break are quoted; quotes doubled).
* **null**: an empty field (an empty text reads back as null too).
* **booleans**: ``true`` / ``false`` (R, DuckDB, pandas and Excel read them as booleans).
* **datetimes**: ISO 8601 in UTC, ``2026-11-23T10:30:00Z`` (fractional seconds only when
  there are some). Columns holding dates only (``maiden_flight``) are ISO dates,
  ``1967-04-23``.
* **durations** (``time_in_space``, ``duration``, ...): ISO 8601 durations in days, hours,
  minutes and seconds, ``P4DT22H42M47S`` (zero is ``PT0S``; never years or months, which have
  no fixed length). The ``*_days`` column beside each holds the same span in days as a float,
  for spreadsheets and for readers that do not parse ISO durations (DuckDB, Excel).
* **integers** as digits (no ``.0``), **numbers** in Python's shortest round-trip form,
  **categories** as their text.

The sidecar's ``files`` lists, per file, its rows and each column's type (``integer``,
``number``, ``boolean``, ``string``, ``datetime``, ``date``, ``duration``): a reader can
restore the types from it, e.g. pandas
``pd.read_csv(f, parse_dates=[datetime columns])`` and ``pd.to_timedelta`` on the duration
columns, R ``lubridate::duration()``, DuckDB ``read_csv(f)`` (which detects booleans and
timestamps by itself).

**JSON**: one array of records (``[{"id": 1, ...}, ...]``) with the same conventions: ISO
strings for datetimes and durations, ``true``/``false``, ``null``.

**Parquet** (needs pyarrow: ``pip install 'll2-spacedata[parquet]'``) keeps every dtype
(nullable integers and booleans, categories, ``timedelta64``, UTC datetimes) and carries the
sidecar's metadata in the file itself: ``pd.read_parquet(f).attrs`` gives it back, so
``spacedata.provenance_of`` and ``spacedata.cite`` work on the frame read back.

**The sidecar** (``<file>.provenance.json``, or ``provenance.json`` in a tables directory) is
:func:`spacedata.citation.metadata`: endpoint, its URL, ``fetched_at``, counts, ``complete``,
``stale``, the snapshot's manifest sha256, the spacedata version, the credit and a citation,
plus ``format``, ``files`` and ``conventions``, and ``rejected``: how many records could not be
used at all (a tables directory lists them in its ``rejected`` table). It holds no local path
and no credentials.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from . import DISTRIBUTION
from .citation import metadata, rejected_summary
from .errors import SpacedataError

#: The formats :func:`export` writes, and the suffixes it recognises.
FORMATS = ("csv", "parquet", "json")
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json"}
#: The sidecar beside an exported file: ``<file><SIDECAR_SUFFIX>``; in a tables directory:
#: :data:`TABLES_SIDECAR`.
SIDECAR_SUFFIX = ".provenance.json"
TABLES_SIDECAR = "provenance.json"
PARQUET_HINT = f"Parquet export needs pyarrow: pip install '{DISTRIBUTION}[parquet]'"

#: How CSV and JSON exports write each kind of value (see the module docstring).
CONVENTIONS: dict[str, str] = {
    "encoding": "UTF-8 without a byte-order mark",
    "csv": "comma-separated, one header row, RFC 4180 quoting",
    "json": "one array of records, one object per row",
    "null": "CSV: an empty field (empty text reads back as null too); JSON: null",
    "boolean": "true / false",
    "datetime": "ISO 8601 in UTC, e.g. 2026-11-23T10:30:00Z",
    "date": "ISO 8601 date, e.g. 1967-04-23",
    "duration": (
        "ISO 8601 duration in days, hours, minutes and seconds, e.g. P4DT22H42M47S (zero: "
        "PT0S); the <name>_days column beside it holds the same span in days (float)"
    ),
    "integer": "digits, no decimal point",
    "number": "decimal, shortest form that reads back exactly",
    "string": "text; categories as their text",
}


class ExportError(SpacedataError):
    """An export could not be written (a format that needs a missing package, a path that
    does not fit the format). Nothing was written."""


@dataclass(frozen=True)
class Exported:
    """What :func:`export` wrote: the data ``files``, the ``sidecar`` and its ``metadata``."""

    files: tuple[Path, ...]
    sidecar: Path
    metadata: dict


def format_for(path: str | os.PathLike) -> str | None:
    """The format a path's suffix names (``.csv``, ``.parquet``/``.pq``, ``.json``), else None."""
    return SUFFIXES.get(Path(path).suffix.lower())


def export(
    obj: Any,
    path: str | os.PathLike,
    format: str | None = None,  # noqa: A002
    *,
    rejected: pd.DataFrame | None = None,
) -> Exported:
    """Write a loader's DataFrame to the file ``path``, or a :class:`~spacedata.tidy.Tables`
    to the directory ``path`` (one file per table: the five spacecraft tables, ``flights``
    and ``rejected``, the records that could not be used at all), with a provenance sidecar;
    see the module docstring for the conventions.

    The sidecar's ``rejected`` counts the records that could not be used
    (:func:`spacedata.citation.rejected_summary`): a Tables' own, or for a DataFrame those
    of ``rejected=`` (``Tables.rejected`` of the load it came from; without it, a frame's
    sidecar does not say).

    ``format``: ``"csv"``, ``"parquet"`` or ``"json"``; default: from the suffix of ``path``
    (required for a tables directory without one). Files are written whole (to a temporary
    name, then renamed), the sidecar last.

    Raises :class:`ExportError` (nothing written) when parquet is asked for without pyarrow,
    or the format is unknown or contradicts the suffix; ValueError when ``obj`` carries no
    spacedata provenance (build it with a loader: some pandas operations drop ``.attrs``).
    """
    path = Path(path).expanduser()
    fmt = _format(path, format, tables=not isinstance(obj, pd.DataFrame))
    if fmt == "parquet":
        _require_pyarrow()
    meta = metadata(obj)  # raises ValueError first if there is no provenance
    if isinstance(obj, pd.DataFrame):
        if rejected is not None:
            meta["rejected"] = rejected_summary(rejected)
        frames = {path.name: (obj, meta)}
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        folder = path.parent
    else:
        frames = {
            f"{name}.{fmt}": (frame, _frame_metadata(frame, meta))
            for name, frame in {**obj.all_frames(), "rejected": obj.rejected}.items()
        }
        meta["rejected"] = {**meta["rejected"], "table": f"rejected.{fmt}"}
        sidecar = path / TABLES_SIDECAR
        folder = path
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict] = {}
    written = []
    for name, (frame, frame_meta) in frames.items():
        target = folder / name
        _atomic(target, lambda tmp, f=frame, m=frame_meta: _WRITERS[fmt](f, tmp, m))
        files[name] = {"rows": len(frame), "columns": column_types(frame)}
        written.append(target)
    meta = {**meta, "format": fmt, "files": files}
    if fmt != "parquet":
        other = "json" if fmt == "csv" else "csv"
        meta["conventions"] = {k: v for k, v in CONVENTIONS.items() if k != other}
    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    _atomic(sidecar, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Exported(tuple(written), sidecar, meta)


# ----------------------------------------------------------------------------- conventions


def column_types(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's type in the export vocabulary: ``integer``, ``number``, ``boolean``,
    ``string``, ``datetime`` (UTC), ``date`` (naive datetimes that are all midnight) or
    ``duration``."""
    return {str(name): _kind(frame[name]) for name in frame.columns}


def _kind(col: pd.Series) -> str:
    dtype = col.dtype
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "datetime"
    if pd.api.types.is_datetime64_dtype(dtype):
        values = col.dropna()
        return "date" if (values == values.dt.normalize()).all() else "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def iso_durations(values: pd.Series) -> pd.Series:
    """ISO 8601 durations (``P4DT22H42M47S``; zero ``PT0S``; negative ``-P1D``) of a
    timedelta column, as a string column; NaT gives NA."""
    mask = values.isna().to_numpy()
    ns = values.to_numpy(dtype="timedelta64[ns]").astype("int64")
    out = [None if m else _iso_duration(int(n)) for n, m in zip(ns, mask, strict=True)]
    return pd.Series(pd.array(out, dtype="string"), index=values.index, name=values.name)


def _iso_duration(ns: int) -> str:
    sign = "-" if ns < 0 else ""
    days, rem = divmod(abs(ns), 86_400 * 10**9)
    hours, rem = divmod(rem, 3_600 * 10**9)
    minutes, rem = divmod(rem, 60 * 10**9)
    seconds, frac = divmod(rem, 10**9)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or frac:
        time += str(seconds) + (f".{frac:09d}".rstrip("0") if frac else "") + "S"
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return sign + (text if text != "P" else "PT0S")


def iso_datetimes(values: pd.Series, kind: str = "datetime") -> pd.Series:
    """ISO 8601 strings of a datetime column: UTC with ``Z`` (a naive column is taken to be
    UTC), or dates when ``kind="date"``; NaT gives NA."""
    if kind == "date":
        fmt = "%Y-%m-%d"
    else:
        values = (
            values.dt.tz_convert("UTC")
            if values.dt.tz is not None
            else values.dt.tz_localize("UTC")
        )
        whole = ((values.dt.microsecond == 0) & (values.dt.nanosecond == 0)) | values.isna()
        fmt = "%Y-%m-%dT%H:%M:%SZ" if whole.all() else "%Y-%m-%dT%H:%M:%S.%fZ"
    text = values.dt.strftime(fmt)
    return pd.Series(pd.array(text.where(values.notna(), None), dtype="string"), index=values.index)


def _plain(frame: pd.DataFrame) -> dict[str, tuple[str, pd.Series]]:
    """Each column converted to what CSV and JSON hold: ISO strings for datetimes and
    durations; other columns as they are. By name: (kind, values)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        kind = _kind(col)
        if kind == "duration":
            col = iso_durations(col)
        elif kind in ("datetime", "date"):
            col = iso_datetimes(col, kind)
        out[str(name)] = (kind, col)
    return out


# --------------------------------------------------------------------------------- writers


def _write_csv(frame: pd.DataFrame, path: Path, meta: Mapping) -> None:
    cols = {}
    for name, (kind, col) in _plain(frame).items():
        if kind == "boolean":
            values = col.to_numpy(dtype=object, na_value=None)
            col = pd.Series(
                [None if v is None else ("true" if v else "false") for v in values],
                dtype="object",
            )
        elif isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        cols[name] = col.reset_index(drop=True)
    out = pd.DataFrame(cols, columns=list(cols))
    out.to_csv(path, index=False, na_rep="", encoding="utf-8", lineterminator="\n")


def _write_json(frame: pd.DataFrame, path: Path, meta: Mapping) -> None:
    plain = _plain(frame)
    names = list(plain)
    columns = [col.to_numpy(dtype=object, na_value=None) for _, col in plain.values()]
    rows = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    path.write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def _write_parquet(frame: pd.DataFrame, path: Path, meta: Mapping) -> None:
    out = frame.copy(deep=False)
    # pandas keeps .attrs in the file (and read_parquet restores them): the citation metadata,
    # never the loader's attrs, which hold a snapshot's local path.
    out.attrs = dict(meta)
    out.to_parquet(path, index=False, engine="pyarrow")


_WRITERS = {"csv": _write_csv, "json": _write_json, "parquet": _write_parquet}


# --------------------------------------------------------------------------------- helpers


def _format(path: Path, format: str | None, tables: bool) -> str:  # noqa: A002
    named = format_for(path)
    if format is None:
        if named is None:
            what = "directory" if tables else "file"
            raise ExportError(
                f"{path.name or path}: cannot tell the format from this {what} name; pass "
                f"format= (one of {', '.join(FORMATS)}) or use a .csv, .parquet or .json name."
            )
        return named
    fmt = format.lower()
    if fmt not in FORMATS:
        raise ExportError(f"format {format!r}: use one of {', '.join(FORMATS)}.")
    if named is not None and named != fmt and not tables:
        raise ExportError(
            f"{path.name}: the name says {named} but the format asked is {fmt}; rename the file "
            "or drop the format to follow the name."
        )
    return fmt


def _require_pyarrow() -> None:
    try:
        import pyarrow.parquet  # noqa: F401  (what pandas' to_parquet needs)
    except ImportError:
        raise ExportError(PARQUET_HINT) from None


def _frame_metadata(frame: pd.DataFrame, tables_meta: dict) -> dict:
    """A table's own metadata (its endpoint's, from its ``.attrs``), else the tables'."""
    try:
        return metadata(frame)
    except ValueError:
        return tables_meta


def _atomic(target: Path, write) -> None:
    """Call ``write(tmp)`` on a temporary name beside ``target``, then rename it over
    ``target``: a failed or killed export never leaves half a file under the real name."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


__all__ = [
    "CONVENTIONS",
    "FORMATS",
    "ExportError",
    "Exported",
    "column_types",
    "export",
    "format_for",
    "iso_datetimes",
    "iso_durations",
]
