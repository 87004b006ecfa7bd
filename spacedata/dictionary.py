"""The data dictionary: every column of every table, as a frame or as Markdown.

It is a view of the column declarations in :mod:`spacedata.schema` (name, dtype, unit, LL2
field, meaning), the same ones the tables are built to, so the two cannot disagree.

>>> import spacedata
>>> spacedata.data_dictionary("spacecraft")          # one row per column of that table
>>> spacedata.data_dictionary().query("unit == 'days'")

:func:`to_markdown` renders it for the documentation site (the "Data dictionary" page is
generated from it at build time).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from .schema import TABLES

__all__ = ["COLUMNS", "CONTRACTS", "RECORD_TYPES", "Entry", "data_dictionary", "to_markdown"]

#: The record types the fields are read from, by endpoint (names of the LL2 2.3.0 OpenAPI).
RECORD_TYPES = {
    "spacecraft": "SpacecraftNormal",
    "spacecraft_flights": "SpacecraftFlightNormal",
}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One row of the data dictionary: a column of a table (see :func:`data_dictionary`)."""

    table: str
    column: str
    dtype: str
    unit: str
    endpoint: str | None
    ll2_field: str | None
    meaning: str


#: Every table's dtype contract, by table name.
CONTRACTS: Mapping[str, Mapping[str, str]] = {name: t.dtypes for name, t in TABLES.items()}

#: Every entry, table by table, in each table's column order.
COLUMNS: tuple[Entry, ...] = tuple(
    Entry(t.name, c.name, c.dtype, c.unit, t.endpoint_of(c), c.ll2_field, c.meaning)
    for t in TABLES.values()
    for c in t.columns
)

_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))


def data_dictionary(table: str | None = None) -> pd.DataFrame:
    """The data dictionary as a frame: one row per (table, column).

    Args:
        table: one table's entries only: ``spacecraft``, ``configurations``, ``agencies``,
            ``families``, ``config_families``, ``flights``, ``rejected``, ``wide`` (the frame
            of :func:`spacedata.load_spacecraft`) or ``flights_wide`` (of
            :func:`spacedata.load_flights`). Default: every table.

    Returns:
        A ``pandas.DataFrame`` with the string columns ``table``, ``column``, ``dtype`` (from
        the table's declaration in :mod:`spacedata.schema`), ``unit`` (``days``, ``count``, ``UTC``,
        ``duration`` for ``timedelta64[ns]`` ...), ``endpoint`` and ``ll2_field`` (the JSON
        path in that endpoint's LL2 2.3.0 record; NA when the column is not read from LL2) and
        ``meaning`` (one sentence).

    Raises:
        ValueError: ``table`` is not one of the tables above.
    """
    if table is not None and table not in CONTRACTS:
        raise ValueError(f"table={table!r}: use one of {', '.join(CONTRACTS)} (or None for all).")
    rows = [
        {f: getattr(e, f) for f in _FIELDS} for e in COLUMNS if table is None or e.table == table
    ]
    return pd.DataFrame(
        {f: pd.array([r[f] for r in rows], dtype="string") for f in _FIELDS}, columns=list(_FIELDS)
    )


def _cell(text: str | None) -> str:
    if text is None:
        return "—"
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str | None) -> str:
    return "—" if text is None else f"`{text}`"


def to_markdown(table: str | None = None, *, heading_level: int = 2) -> str:
    """The data dictionary as Markdown: per table, a heading, what one row is, its key, how to
    get it, and a table of its columns (column, dtype, unit, LL2 field, meaning).

    Args:
        table: one table only (as :func:`data_dictionary` takes it); default every table.
        heading_level: the level of each table's heading (2: ``##``).
    """
    if table is not None and table not in TABLES:
        raise ValueError(f"table={table!r}: use one of {', '.join(TABLES)} (or None for all).")
    hashes = "#" * heading_level
    out: list[str] = []
    for name, info in TABLES.items():
        if table is not None and name != table:
            continue
        entries = [e for e in COLUMNS if e.table == name]
        endpoints = sorted({e.endpoint for e in entries if e.endpoint})
        source = ", ".join(f"`/{ep}/` (`{RECORD_TYPES[ep]}`)" for ep in endpoints) or "—"
        out += [
            f"{hashes} `{name}`",
            "",
            f"One row per {info.row}. Key: {', '.join(f'`{k}`' for k in info.key)}. "
            f"Get it with {info.how}. Fields from: {source}.",
            "",
            "| Column | dtype | Unit | LL2 field | Meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| `{e.column}` | `{e.dtype}` | {_cell(e.unit)} | {_code(e.ll2_field)} | "
            f"{_cell(e.meaning)} |"
            for e in entries
        ]
        out.append("")
    return "\n".join(out)
