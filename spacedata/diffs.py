"""What changed between two loads (two snapshots, a snapshot and the bundled sample, ...).

``spacedata.diff(old, new)`` returns one row per change, endpoint by endpoint::

    endpoint    id      change   field          old      new
    spacecraft  990001  added    <NA>           <NA>     <NA>
    spacecraft  17      removed  <NA>           <NA>     <NA>
    spacecraft  5       changed  flights_count  4        5
    spacecraft  5       changed  status         Active   Retired

The tidy tables are compared, not the raw JSON: a duration compares as a duration
(``P1D`` and ``PT24H`` are the same), a date-time as an instant, and key order or spacing in
the pages never shows up as a change. Each endpoint's main table (``spacecraft``, ``flights``)
is compared on ``id``, field by field (its ``*_days`` columns repeat the durations and are left
out). An endpoint that only one side holds is not compared; ``.attrs["notes"]`` says so.

``spacedata.diff`` is :func:`diff` (exported lazily by :mod:`spacedata`). This module is
``diffs``, not ``diff``: importing a submodule binds it as an attribute of its package, so a
module ``spacedata.diff`` would replace the function ``spacedata.diff`` as soon as anything
imported it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .endpoints import ENDPOINTS
from .tidy import Tables

__all__ = ["CHANGES", "DIFF_COLUMNS", "diff", "format_diff", "summary"]

#: The columns of :func:`diff`'s frame (``old``/``new`` hold the values as the tables do).
DIFF_COLUMNS = ("endpoint", "id", "change", "field", "old", "new")
CHANGES = ("added", "removed", "changed")
#: The column that names a record of each endpoint's main table, for people.
_LABELS = {"spacecraft": "name", "flights": "launch_name"}


def diff(old: Any, new: Any, *, endpoints: Iterable[str] | None = None) -> pd.DataFrame:
    """The records added, removed and changed from ``old`` to ``new``, by endpoint.

    Args:
        old: :class:`~spacedata.tidy.Tables`, or anything :func:`spacedata.load_tables`
            takes as a source (a snapshot directory, ``"bundled"``, ``"local"``, ...).
        new: the same, for the newer side.
        endpoints: which to compare (default: every declared endpoint both sides hold).

    Returns:
        A frame with ``DIFF_COLUMNS``: ``endpoint``, ``id`` (Int64), ``change`` (``added``,
        ``removed``, ``changed``), and for changes the ``field`` with its ``old`` and ``new``
        values (as the tables hold them: Timedelta, Timestamp, str, int, bool, None). Sorted by
        endpoint, change, id. ``.attrs["notes"]`` lists endpoints not compared, and
        ``.attrs["counts"]`` the records each side holds, by endpoint.

    Raises:
        SnapshotError, ValueError: a side that cannot be loaded (as :func:`load_tables`).
    """
    a, b = _tables(old), _tables(new)
    rows: list[tuple] = []
    notes: list[str] = []
    counts: dict[str, tuple[int, int]] = {}
    for name in endpoints or ENDPOINTS:
        ep = ENDPOINTS[name]
        table = ep.tables[0]
        held = [_holds(t, name) for t in (a, b)]
        if not all(held):
            side = "either side" if not any(held) else "the old side" if held[1] else "the new side"
            notes.append(f"{name}: not compared ({side} holds no {ep.label}).")
            continue
        x, y = getattr(a, table), getattr(b, table)
        counts[name] = (len(x), len(y))
        rows += _compare(name, x, y)
    frame = pd.DataFrame(rows, columns=list(DIFF_COLUMNS))
    frame["id"] = frame["id"].astype("Int64")
    for col in ("endpoint", "change", "field"):
        frame[col] = frame[col].astype("string")
    frame["old"] = frame["old"].astype(object)
    frame["new"] = frame["new"].astype(object)
    frame.attrs["notes"] = notes
    frame.attrs["counts"] = counts
    return frame


def _tables(side: Any) -> Tables:
    if isinstance(side, Tables):
        return side
    from .load import load_tables

    return load_tables(side)


def _holds(tables: Tables, endpoint: str) -> bool:
    prov = tables.provenance_for(endpoint)
    table = getattr(tables, ENDPOINTS[endpoint].tables[0])
    return (prov is not None and (prov.records > 0 or prov.count is not None)) or len(table) > 0


def _compare(endpoint: str, old: pd.DataFrame, new: pd.DataFrame) -> list[tuple]:
    a = old.dropna(subset=["id"]).set_index("id")
    b = new.dropna(subset=["id"]).set_index("id")
    rows: list[tuple] = [
        (endpoint, int(i), "added", None, None, None) for i in b.index.difference(a.index)
    ]
    rows += [(endpoint, int(i), "removed", None, None, None) for i in a.index.difference(b.index)]
    common = a.index.intersection(b.index).sort_values()
    fields = [c for c in a.columns if c in b.columns and not c.endswith("_days")]
    changed: list[tuple] = []
    order = {c: n for n, c in enumerate(fields)}
    for col in fields:
        x = _values(a[col].reindex(common))
        y = _values(b[col].reindex(common))
        both_na = pd.isna(x) & pd.isna(y)
        same = np.fromiter((both_na[i] or _equal(x[i], y[i]) for i in range(len(x))), bool, len(x))
        for i in np.flatnonzero(~same):
            changed.append((endpoint, int(common[i]), "changed", col, _py(x[i]), _py(y[i])))
    changed.sort(key=lambda r: (r[1], order[r[3]]))
    rows.sort(key=lambda r: (CHANGES.index(r[2]), r[1]))
    return rows + changed


def _values(s: pd.Series) -> np.ndarray:
    """A column as an object array of plain values (categories as their labels)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    return s.astype(object).to_numpy()


def _equal(x: object, y: object) -> bool:
    if pd.isna(x) or pd.isna(y):
        return False
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return False


def _py(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----------------------------------------------------------------------------- formatting


def format_diff(frame: pd.DataFrame, fmt: str = "text", old: Any = None, new: Any = None) -> str:
    """:func:`diff`'s frame as ``text`` (for people), ``csv`` or ``json`` (for machines).

    In csv and json, ``old``/``new`` are text for times (ISO 8601) and durations (ISO 8601,
    e.g. ``P4DT22H42M47S``), numbers and booleans as themselves (json) and empty/``null`` where
    there is no value. ``old``/``new`` (the loaded Tables) only name records in ``text``.
    """
    if fmt == "csv":
        out = frame.copy()
        for col in ("old", "new"):
            out[col] = [_text(v) for v in out[col]]
        return out.to_csv(index=False)
    if fmt == "json":
        records = [
            {
                "endpoint": r.endpoint,
                "id": int(r.id),
                "change": r.change,
                "field": None if pd.isna(r.field) else r.field,
                "old": _json_value(r.old),
                "new": _json_value(r.new),
            }
            for r in frame.itertuples(index=False)
        ]
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt != "text":
        raise ValueError(f"format={fmt!r}: use 'text', 'csv' or 'json'.")
    return _as_text(frame, old, new)


def _as_text(frame: pd.DataFrame, old: Any, new: Any) -> str:
    lines: list[str] = []
    counts = frame.attrs.get("counts", {})
    for name, (n_old, n_new) in counts.items():
        part = frame[frame["endpoint"] == name]
        lines.append(f"{name}: {n_old:,} -> {n_new:,} records; {_tally(part)}")
        table = ENDPOINTS[name].tables[0]
        labels = {
            **_labels(old, table),
            **_labels(new, table),
        }
        for change, mark in (("added", "+"), ("removed", "-")):
            for rid in part.loc[part["change"] == change, "id"]:
                lines.append(f"  {mark} {rid} {labels.get(int(rid), '')}".rstrip())
        changed = part[part["change"] == "changed"]
        for rid, group in changed.groupby("id", sort=False):
            fields = "; ".join(
                f"{r.field} {_short(r.old)} -> {_short(r.new)}" for r in group.itertuples()
            )
            label = labels.get(int(rid), "")
            lines.append(f"  ~ {rid} {label}: {fields}" if label else f"  ~ {rid}: {fields}")
    lines += frame.attrs.get("notes", [])
    return "\n".join(lines) + "\n"


def summary(frame: pd.DataFrame) -> str:
    """:func:`diff`'s frame in one line, per endpoint compared: ``spacecraft: 1 added,
    2 changed; spacecraft_flights: no changes``."""
    counts = frame.attrs.get("counts", {})
    return "; ".join(f"{name}: {_tally(frame[frame['endpoint'] == name])}" for name in counts)


def _tally(part: pd.DataFrame) -> str:
    """``1 added, 2 changed`` (records, not fields) or ``no changes``."""
    tally = {c: part.loc[part["change"] == c, "id"].nunique() for c in CHANGES}
    return ", ".join(f"{tally[c]} {c}" for c in CHANGES if tally[c]) or "no changes"


def _labels(side: Any, table: str) -> dict[int, str]:
    if not isinstance(side, Tables):
        return {}
    frame = getattr(side, table)
    col = _LABELS.get(table)
    if col not in frame.columns:
        return {}
    known = frame.dropna(subset=["id"])
    return {int(i): str(v) for i, v in zip(known["id"], known[col], strict=True) if not pd.isna(v)}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, pd.Timedelta):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return _text(value)


def _short(value: object, width: int = 60) -> str:
    if value is None:
        return "(none)"
    text = str(value) if not isinstance(value, pd.Timestamp) else value.isoformat()
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
