"""Raw LL2 spacecraft records -> tidy pandas tables with a declared dtype contract. No I/O.

Tables (keys in brackets):

* ``spacecraft`` [id]: one row per spacecraft; ``config_id`` links to configurations.
* ``configurations`` [config_id]: spacecraft configurations; ``agency_id`` links to agencies.
* ``agencies`` [agency_id]: the agencies that operate configurations.
* ``families`` [family_id]: configuration families.
* ``config_families`` [config_id, family_id]: the many-to-many link.

:func:`flatten` joins them into one wide frame, one row per spacecraft.
Durations are ``timedelta64[ns]`` (see :mod:`spacedata.durations` for the policy on bad values);
``*_days`` columns hold the same durations as float days for charts.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .durations import to_timedelta64
from .errors import RecordError, SpacedataWarning
from .provenance import Provenance

DURATIONS = ("time_in_space", "time_docked", "fastest_turnaround")
_DAY = np.timedelta64(1, "D")

#: The dtype contract of each table, column by column (tests check it).
SPACECRAFT_DTYPES = {
    "id": "Int64",
    "name": "string",
    "serial_number": "string",
    "status": "category",
    "in_space": "boolean",
    "is_placeholder": "boolean",
    "flights_count": "Int64",
    "mission_ends_count": "Int64",
    "time_in_space": "timedelta64[ns]",
    "time_docked": "timedelta64[ns]",
    "fastest_turnaround": "timedelta64[ns]",
    "time_in_space_days": "float64",
    "time_docked_days": "float64",
    "fastest_turnaround_days": "float64",
    "config_id": "Int64",
    "description": "string",
    "url": "string",
    "image_url": "string",
}
CONFIGURATION_DTYPES = {
    "config_id": "Int64",
    "config_name": "string",
    "config_type": "category",
    "config_in_use": "boolean",
    "agency_id": "Int64",
}
AGENCY_DTYPES = {
    "agency_id": "Int64",
    "agency_name": "string",
    "agency_abbrev": "string",
    "agency_type": "category",
}
FAMILY_DTYPES = {
    "family_id": "Int64",
    "family_name": "string",
    "family_description": "string",
    "manufacturer": "string",
    "parent_family_id": "Int64",
    "maiden_flight": "datetime64[ns]",
}
CONFIG_FAMILY_DTYPES = {"config_id": "Int64", "family_id": "Int64"}
#: The wide frame of :func:`flatten` / :func:`spacedata.load_spacecraft`.
WIDE_DTYPES = {
    **SPACECRAFT_DTYPES,
    "config_name": "category",
    "config_type": "category",
    "config_in_use": "boolean",
    "agency_id": "Int64",
    "agency_name": "category",
    "agency_abbrev": "category",
    "agency_type": "category",
    "families": "string",
}


class RecordWarning(SpacedataWarning):
    """A field of some records had the wrong type and was set to null (ids are named)."""


@dataclass(frozen=True)
class Tables:
    """The normalised tables of one load, with their provenance."""

    spacecraft: pd.DataFrame
    configurations: pd.DataFrame
    agencies: pd.DataFrame
    families: pd.DataFrame
    config_families: pd.DataFrame
    provenance: Provenance | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "provenance"}

    def wide(self) -> pd.DataFrame:
        """One row per spacecraft with configuration, agency and family names joined in."""
        return flatten(self)


def build_tables(records: Iterable[dict], provenance: Provenance | None = None) -> Tables:
    """Build the normalised tables from raw ``/spacecraft/`` records (normal or detailed mode).

    Missing optional keys become nulls. Raises :class:`RecordError` for a record that is not
    an object or has no ``id``: nothing is dropped silently.
    """
    recs = list(records)
    for i, r in enumerate(recs):
        if not isinstance(r, dict) or r.get("id") is None:
            name = r.get("name") if isinstance(r, dict) else None
            raise RecordError(
                f"Record #{i} (name={name!r}) has no 'id'; it cannot be keyed. "
                "Check the source pages: every LL2 spacecraft record has an integer id."
            )
    ids = [r["id"] for r in recs]
    cfgs = [r.get("spacecraft_config") or {} for r in recs]
    col = _Columns(ids)

    data: dict[str, object] = {
        "id": col.ints(ids, "id"),
        "name": col.strings([r.get("name") for r in recs]),
        "serial_number": col.strings([r.get("serial_number") for r in recs]),
        "status": pd.Categorical([(r.get("status") or {}).get("name") for r in recs]),
        "in_space": col.bools([r.get("in_space") for r in recs], "in_space"),
        "is_placeholder": col.bools([r.get("is_placeholder") for r in recs], "is_placeholder"),
        "flights_count": col.ints([r.get("flights_count") for r in recs], "flights_count"),
        "mission_ends_count": col.ints(
            [r.get("mission_ends_count") for r in recs], "mission_ends_count"
        ),
    }
    for name in DURATIONS:
        data[name] = to_timedelta64([_text(r.get(name)) for r in recs], ids, name)
    for name in DURATIONS:
        data[name + "_days"] = data[name] / _DAY
    data["config_id"] = col.ints([c.get("id") for c in cfgs], "spacecraft_config.id")
    data["description"] = col.strings([r.get("description") for r in recs])
    data["url"] = col.strings([r.get("url") for r in recs])
    data["image_url"] = col.strings([(r.get("image") or {}).get("image_url") for r in recs])
    spacecraft = _frame(data, SPACECRAFT_DTYPES)

    configs: dict[int, dict] = {}
    agencies: dict[int, dict] = {}
    families: dict[int, dict] = {}
    links: dict[tuple[int, int], None] = {}
    for c in cfgs:
        if c.get("id") is None:
            continue
        agency = c.get("agency") or {}
        configs[c["id"]] = {
            "config_id": c["id"],
            "config_name": c.get("name"),
            "config_type": (c.get("type") or {}).get("name"),
            "config_in_use": c.get("in_use"),
            "agency_id": agency.get("id"),
        }
        if agency.get("id") is not None:
            agencies[agency["id"]] = {
                "agency_id": agency["id"],
                "agency_name": agency.get("name"),
                "agency_abbrev": agency.get("abbrev"),
                "agency_type": (agency.get("type") or {}).get("name"),
            }
        for fam in c.get("family") or ():
            if not isinstance(fam, dict) or fam.get("id") is None:
                continue
            links[(c["id"], fam["id"])] = None
            families[fam["id"]] = {
                "family_id": fam["id"],
                "family_name": fam.get("name"),
                "family_description": fam.get("description"),
                "manufacturer": (fam.get("manufacturer") or {}).get("name"),
                "parent_family_id": (fam.get("parent") or {}).get("id"),
                "maiden_flight": fam.get("maiden_flight"),
            }
    tables = Tables(
        spacecraft=spacecraft,
        configurations=_rows(configs.values(), CONFIGURATION_DTYPES),
        agencies=_rows(agencies.values(), AGENCY_DTYPES),
        families=_rows(families.values(), FAMILY_DTYPES),
        config_families=_rows(
            ({"config_id": c, "family_id": f} for c, f in links), CONFIG_FAMILY_DTYPES
        ),
        provenance=provenance,
    )
    if provenance is not None:
        for frame in tables.frames().values():
            frame.attrs.update(provenance.as_attrs())
    return tables


def flatten(tables: Tables) -> pd.DataFrame:
    """Join the normalised tables into one wide frame, one row per spacecraft (``WIDE_DTYPES``)."""
    fam = tables.config_families.merge(tables.families, on="family_id", how="left")
    fam_names = (
        fam.dropna(subset=["family_name"])
        .groupby("config_id")["family_name"]
        .agg(lambda s: "; ".join(sorted(s)))
        .rename("families")
    )
    wide = (
        tables.spacecraft.merge(tables.configurations, on="config_id", how="left")
        .merge(tables.agencies, on="agency_id", how="left")
        .merge(fam_names, left_on="config_id", right_index=True, how="left")
    )
    wide = _frame({c: wide[c] for c in WIDE_DTYPES}, WIDE_DTYPES)
    wide.attrs.update(tables.spacecraft.attrs)
    return wide


def check_dtypes(frame: pd.DataFrame, contract: dict[str, str]) -> list[str]:
    """Differences between ``frame`` and a dtype contract (empty when it conforms)."""
    problems = [f"missing column {c!r}" for c in contract if c not in frame.columns]
    problems += [f"unexpected column {c!r}" for c in frame.columns if c not in contract]
    problems += [
        f"{c}: {frame[c].dtype} (want {want})"
        for c, want in contract.items()
        if c in frame.columns and str(frame[c].dtype) != want
    ]
    return problems


def _text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else repr(value)


def _frame(data: dict, contract: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=list(contract))
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


class _Columns:
    """Typed column builders; a value of the wrong type becomes null and is reported by id."""

    def __init__(self, ids: list):
        self.ids = ids

    def ints(self, values: list, field: str) -> pd.arrays.IntegerArray:
        try:
            return pd.array(values, dtype="Int64")
        except (TypeError, ValueError):
            ok = [v if isinstance(v, int) and not isinstance(v, bool) else None for v in values]
            self._report(field, values, ok)
            return pd.array(ok, dtype="Int64")

    def bools(self, values: list, field: str) -> pd.arrays.BooleanArray:
        ok = [v if isinstance(v, bool) else None for v in values]
        self._report(field, values, ok)
        return pd.array(ok, dtype="boolean")

    def strings(self, values: list) -> pd.arrays.StringArray:
        return pd.array([_text(v) for v in values], dtype="string")

    def _report(self, field: str, values: list, kept: list) -> None:
        bad = [
            (i, v)
            for i, v, k in zip(self.ids, values, kept, strict=True)
            if v is not None and k is None
        ]
        if bad:
            shown = ", ".join(f"id {i}: {v!r}" for i, v in bad[:10])
            warnings.warn(
                f"{len(bad)} record(s) have a {field} of the wrong type, set to null ({shown}).",
                RecordWarning,
                stacklevel=4,
            )
