"""The record-cleaning machinery shared by the tidy functions (:mod:`spacedata.tidy`,
:mod:`spacedata.tidy_flights`). No I/O.

What it holds, so that both endpoints clean records by the same rules:

* value converters (``_to_int``, ``_to_bool``, ``_to_str``, ``_to_name``, ``_to_url``,
  ``_to_obj``, ``_to_list``, ``_to_date``): each returns ``(value, how)``, ``how`` saying
  whether the value was kept, coerced without loss, or nulled;
* :class:`_Cleaner`, the typed column builders: a column's types are checked in one pass, and
  only a column holding an unexpected type is converted value by value, each coerced or nulled
  value noted by record id for one :class:`~spacedata.errors.RecordWarning` per field;
* screening (``_screen``; ``_not_spacecraft`` for records of another endpoint's shape):
  records that are not objects or have no usable ``id`` become rows of the ``rejected`` table
  (``_rejection``, ``_rejected_frame``), reported by one
  :class:`~spacedata.errors.RejectedRecordWarning` (``_warn_rejected``);
* column and frame builders: ``_columns`` / ``_values`` (one pass over the records),
  ``_strings``, ``_frame`` / ``_frame_of`` / ``_rows`` (a frame of a dtype contract),
  ``_empty`` (an empty typed frame), and the wording helpers ``_short`` / ``_listing``.

The rules themselves (what is coerced, nulled or quarantined) are described for users in
:mod:`spacedata.tidy`'s docstring.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable, Iterable
from operator import itemgetter

import numpy as np
import pandas as pd

from . import schema
from .errors import RecordWarning, RejectedRecordWarning

log = logging.getLogger("spacedata")

#: One day, to turn a ``timedelta64`` column into the float days of a ``*_days`` column.
_DAY = np.timedelta64(1, "D")


_EMPTY_FRAMES: dict[str, pd.DataFrame] = {}


def _empty(contract: dict[str, str]) -> pd.DataFrame:
    """An empty frame of ``contract`` (a fresh copy: its ``attrs`` are the caller's)."""
    key = ",".join(f"{c}:{t}" for c, t in contract.items())
    if key not in _EMPTY_FRAMES:
        _EMPTY_FRAMES[key] = _frame({}, contract)
    return _EMPTY_FRAMES[key].copy()


def _get(recs: list[dict], key: str) -> list:
    return [r.get(key) for r in recs]


def _columns(recs: list[dict], keys: tuple[str, ...]) -> dict[str, list]:
    """``{key: [record.get(key) ...]}`` for every key, in one pass over the records when they
    all have every key (``itemgetter`` in C: about twice as fast as a ``.get`` per value);
    otherwise key by key, missing keys as None."""
    if len(keys) == 1:
        return {keys[0]: _values(recs, keys[0])}
    if recs:
        try:
            rows = list(map(itemgetter(*keys), recs))
        except KeyError:
            pass
        else:
            return {k: list(v) for k, v in zip(keys, zip(*rows, strict=True), strict=True)}
    return {k: _get(recs, k) for k in keys}


def _values(recs: list[dict], key: str) -> list:
    """``[record.get(key) ...]``: by ``itemgetter`` when every record has the key."""
    try:
        return list(map(itemgetter(key), recs))
    except KeyError:
        return _get(recs, key)


def _strings(values: list) -> pd.arrays.StringArray:
    return pd.array(values, dtype="string")


def _types(values: Iterable) -> set[type]:
    return set(map(type, values))


def _short(value: object, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _listing(shown: list[str], total: int, sep: str = ", ") -> str:
    more = f" and {total - len(shown)} more" if total > len(shown) else ""
    return sep.join(shown) + more


def _frame(data: dict, contract: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=list(contract))
    return frame.astype({c: t for c, t in contract.items() if str(frame[c].dtype) != t})


def _frame_of(frame: pd.DataFrame, contract: dict[str, str]) -> pd.DataFrame:
    frame = frame[list(contract)]
    return frame.astype({c: t for c, t in contract.items() if str(frame[c].dtype) != t})


def _rows(rows: Iterable[dict], contract: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(contract))
    if "maiden_flight" in frame:
        frame["maiden_flight"] = pd.to_datetime(frame["maiden_flight"], errors="coerce").astype(
            "datetime64[ns]"
        )
    frame = frame.astype(contract)
    key = next(iter(contract))
    return frame.sort_values(list(contract)[:2] if key == "config_id" else key, ignore_index=True)


# --- Value converters: each returns (value, how); how is _OK, _COERCED or _NULL. --------------

_OK, _COERCED, _NULL = "", "coerced", "null"
_NONE = type(None)
_NONES = frozenset({_NONE})
_INT = frozenset({int, _NONE})
_BOOL = frozenset({bool, _NONE})
_STR = frozenset({str, _NONE})
_DICT = frozenset({dict, _NONE})
_I64 = (-(2**63), 2**63 - 1)
_TRUTH = {"true": True, "false": False}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # pd.Timestamp alone would also read "now"
Converter = Callable[[object], tuple[object, str]]


def _to_int(v: object) -> tuple[int | None, str]:
    if v is None:
        return None, _OK
    if type(v) is int:
        return (v, _OK) if _I64[0] <= v <= _I64[1] else (None, _NULL)
    if type(v) is str and v.isascii() and v.isdigit() and len(v.lstrip("0")) <= 19:
        n = int(v)  # at most 19 digits: no int() digit limit, no overflow
        return (n, _COERCED) if n <= _I64[1] else (None, _NULL)
    return None, _NULL


def _to_bool(v: object) -> tuple[bool | None, str]:
    if v is None or type(v) is bool:
        return v, _OK
    if type(v) is int and v in (0, 1):
        return bool(v), _COERCED
    if type(v) is str and v.strip().lower() in _TRUTH:
        return _TRUTH[v.strip().lower()], _COERCED
    return None, _NULL


def _to_str(v: object) -> tuple[str | None, str]:
    if v is None or type(v) is str:
        return v, _OK
    if type(v) in (int, float):
        return str(v), _COERCED
    return None, _NULL


def _to_name(v: object) -> tuple[str | None, str]:
    """An ``{id, name}`` object's name; a plain string is the name (older API versions)."""
    if isinstance(v, dict):
        return _to_str(v.get("name"))
    if v is None or type(v) is str:
        return v, _OK
    return None, _NULL


def _to_url(v: object) -> tuple[str | None, str]:
    """An image object's ``image_url``; a plain string is taken as the URL."""
    if isinstance(v, dict):
        return _to_str(v.get("image_url"))
    if type(v) is str:
        return v, _COERCED
    return None, (_OK if v is None else _NULL)


def _to_obj(v: object) -> tuple[dict | None, str]:
    return (v, _OK) if v is None or isinstance(v, dict) else (None, _NULL)


def _to_list(v: object) -> tuple[list | None, str]:
    return (v, _OK) if v is None or isinstance(v, list) else (None, _NULL)


def _to_date(v: object) -> tuple[pd.Timestamp | None, str]:
    """An ISO date or date-time within ``datetime64[ns]``'s range (UTC, naive)."""
    if v is None:
        return None, _OK
    if type(v) is not str or not _ISO_DATE.match(v):
        return None, _NULL
    try:
        ts = pd.Timestamp(v)
    except (ValueError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        return None, _NULL
    if ts is pd.NaT:
        return None, _NULL
    if ts.tz is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return (ts, _OK) if pd.Timestamp.min <= ts <= pd.Timestamp.max else (None, _NULL)


class _Cleaner:
    """Typed column builders. A column's types are checked in one pass; only a column holding
    an unexpected type is converted value by value, and each coerced or nulled value is noted
    by record id, for one :class:`RecordWarning` per field."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.notes: dict[str, dict[str, list[tuple]]] = {}

    def note(self, field: str, rid: object, raw: object, value: object, how: str) -> None:
        self.notes.setdefault(field, {}).setdefault(how, []).append((rid, raw, value))

    def one(self, convert: Converter, raw: object, field: str, rid: object) -> object:
        value, how = convert(raw)
        if how:
            self.note(field, rid, raw, value, how)
        return value

    def at(self, obj: dict, key: str, convert: Converter, field: str, rid: object) -> object:
        return self.one(convert, obj.get(key), field, rid)

    def each(
        self, values: list, convert: Converter, field: str, ok: frozenset = frozenset()
    ) -> list:
        """``values`` converted one by one, except those of a type in ``ok`` (kept as they are)."""
        one = self.one
        return [
            v if type(v) in ok else one(convert, v, field, rid)
            for rid, v in zip(self.ids, values, strict=True)
        ]

    def ints(self, values: list, field: str) -> tuple[list, pd.arrays.IntegerArray]:
        """The clean values and their ``Int64`` array."""
        if not _types(values) <= _INT:
            values = self.each(values, _to_int, field, _INT)
        try:
            return values, pd.array(values, dtype="Int64")
        except OverflowError:  # an int beyond int64: check every one
            values = self.each(values, _to_int, field, _NONES)
            return values, pd.array(values, dtype="Int64")

    def bools(self, values: list, field: str) -> pd.arrays.BooleanArray:
        if not _types(values) <= _BOOL:
            values = self.each(values, _to_bool, field, _BOOL)
        return pd.array(values, dtype="boolean")

    def strings(self, values: list, field: str) -> list:
        return values if _types(values) <= _STR else self.each(values, _to_str, field, _STR)

    def objects(self, values: list, field: str) -> list:
        return values if _types(values) <= _DICT else self.each(values, _to_obj, field, _DICT)

    def lookup(self, values: list, key: str, convert: Converter, field: str) -> list:
        """The string at ``key`` of each object (``status.name``); ``convert`` handles the rest."""
        if _types(values) <= _DICT:
            inner = [v.get(key) if v is not None else None for v in values]
            if _types(inner) <= _STR:
                return inner
        return self.each(values, convert, field)

    def warn(self) -> None:
        for field, hows in self.notes.items():
            parts = []
            if bad := hows.get(_NULL):
                shown = [f"id {rid}: {_short(raw)}" for rid, raw, _ in bad[:10]]
                parts.append(
                    f"{len(bad)} record(s) of the wrong type set to null ({_listing(shown, len(bad))})"
                )
            if coerced := hows.get(_COERCED):
                shown = [f"id {rid}: {_short(raw)} -> {v!r}" for rid, raw, v in coerced[:10]]
                parts.append(
                    f"{len(coerced)} record(s) of another type coerced "
                    f"({_listing(shown, len(coerced))})"
                )
            message = (
                f"{field}: {'; '.join(parts)}. The records are kept (see spacedata.tidy for the "
                "rules)."
            )
            log.info(message)
            warnings.warn(message, RecordWarning, stacklevel=3)


# --- Records that cannot be used at all. ------------------------------------------------------


def _screen(recs: list, c: _Cleaner) -> tuple[list[dict], list[int], list[dict]]:
    """The usable records, their integer ids, and rows for ``Tables.rejected``. One pass over
    the types decides; records are looked at one by one only if some are unusable."""
    if _types(recs) <= {dict}:
        try:
            ids = [r["id"] for r in recs]
        except KeyError:
            ids = None
        if ids is not None and (
            not ids or (_types(ids) == {int} and _I64[0] <= min(ids) and max(ids) <= _I64[1])
        ):
            return recs, ids, []
    # Parallel lists, no per-record tuples: 100k live tuples would set the cyclic GC rescanning
    # every record again and again.
    keys: list[int | None] = [None] * len(recs)
    strings: list[int] = []  # positions of digit-string ids
    rejected: list[dict] = []
    for pos, r in enumerate(recs):
        if not isinstance(r, dict):
            kind = "null" if r is None else type(r).__name__
            rejected.append(_rejection(pos, r, None, f"not an object ({kind})"))
            continue
        raw = r.get("id")
        value, how = _to_int(raw)
        if value is None:
            reason = (
                "no id"
                if raw is None
                else f"id out of int64 range: {raw}"
                if type(raw) is int
                else f"id is not an integer: {_short(raw)}"
            )
            rejected.append(_rejection(pos, r, raw, reason))
        elif how == _COERCED:
            strings.append(pos)
        else:
            keys[pos] = value
    taken = set(keys)
    for pos in strings:  # a digit-string id is usable unless its integer is already taken
        raw = recs[pos]["id"]
        value = int(raw)
        if value in taken:
            reason = f"duplicate id {value} (given as {raw!r})"
            rejected.append(_rejection(pos, recs[pos], raw, reason))
        else:
            taken.add(value)
            keys[pos] = value
            c.note("id", value, raw, value, _COERCED)
    rejected.sort(key=itemgetter("position"))
    return (
        [r for r, k in zip(recs, keys, strict=True) if k is not None],
        [k for k in keys if k is not None],
        rejected,
    )


#: A record with none of these is not a spacecraft record (another endpoint's, e.g. docking
#: events served as spacecraft): quarantined, never a row of nulls.
_SPACECRAFT_SHAPE = ("spacecraft_config", "name", "status", "in_space")


def _not_spacecraft(
    given: list, recs: list[dict], ids: list[int], rejected: list[dict]
) -> tuple[list[dict], list[int], list[dict]]:
    """``_screen``'s result with the records that are not spacecraft-shaped moved to the
    rejected rows (positions in ``given``)."""
    if all(any(k in r for k in _SPACECRAFT_SHAPE) for r in recs):
        return recs, ids, rejected
    position = {id(r): i for i, r in enumerate(given)}
    reason = "not a spacecraft record (no spacecraft_config, name, status or in_space)"
    keep, keep_ids = [], []
    for r, rid in zip(recs, ids, strict=True):
        if any(k in r for k in _SPACECRAFT_SHAPE):
            keep.append(r)
            keep_ids.append(rid)
        else:
            rejected.append(_rejection(position[id(r)], r, r.get("id"), reason))
    rejected.sort(key=itemgetter("position"))
    return keep, keep_ids, rejected


def _rejection(position: int, record: object, raw_id: object, reason: str) -> dict:
    text = None if raw_id is None else raw_id if type(raw_id) is str else _json(raw_id)
    return {"position": position, "id": text, "reason": reason, "raw": _json(record)}


def _json(value: object) -> str:
    """JSON text with sorted keys (``repr`` for what JSON cannot hold)."""
    import orjson

    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError: ints beyond 64 bits, non-str keys, objects
        try:
            return json.dumps(value, sort_keys=True, default=repr)
        except (TypeError, ValueError):
            return repr(value)


def _rejected_frame(rows: list[dict], endpoint: str = "spacecraft") -> pd.DataFrame:
    rows = [{"endpoint": endpoint, **r} for r in rows]
    return pd.DataFrame(
        {c: pd.array([r[c] for r in rows], dtype=t) for c, t in schema.REJECTED.dtypes.items()}
    )


def _warn_rejected(rejected: list[dict], received: int, endpoint: str = "spacecraft") -> None:
    shown = [f"#{r['position']}: {r['reason']}" for r in rejected[:5]]
    of = "" if endpoint == "spacecraft" else f" {endpoint}"
    message = (
        f"{len(rejected)} of {received}{of} record(s) could not be used and were quarantined in "
        f"Tables.rejected ({_listing(shown, len(rejected), '; ')}); the others are loaded. "
        "A record needs to be an object with an integer id: check the source pages."
    )
    log.info(message)
    warnings.warn(message, RejectedRecordWarning, stacklevel=3)
