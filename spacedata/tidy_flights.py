"""Raw ``/spacecraft_flights/`` records -> the ``flights`` table (``tidy.FLIGHT_DTYPES``). No I/O.

The tidy function of the ``spacecraft_flights`` endpoint (:mod:`spacedata.endpoints`). It uses
the record-cleaning machinery of :mod:`spacedata._clean` (screening, typed column builders, one
warning per field), as :mod:`spacedata.tidy` does, and follows the same rules, so the two
endpoints behave alike:

* A record that is not an object or has no usable ``id`` is quarantined in ``rejected``
  (``endpoint = "spacecraft_flights"``), with one
  :class:`~spacedata.errors.RejectedRecordWarning`; loaded + rejected == received.
* A field of the wrong type becomes null (or is coerced when that loses nothing), one
  :class:`~spacedata.errors.RecordWarning` per field naming the flight ids. An embedded object
  of the wrong type (``launch: "x"``) nulls every column taken from it, with one warning for
  the object.
* ``launch.net`` and ``mission_end`` are ISO 8601 date-times, read as UTC
  (``datetime64[ns, UTC]``); anything else, or a time outside ``datetime64[ns]``'s range,
  becomes NaT with a RecordWarning.
* ``flown`` says whether the launch took place (:data:`FLOWN_BY_STATUS`, by
  ``launch.status``): a planned flight's ``launch_net`` is a plan, often a placeholder of
  coarse ``launch_net_precision`` (``Year``: 2026-12-31 means "some time in 2026"), and its
  ``turn_around_time`` a forecast. An unknown status is NA, with one RecordWarning.
* ``duration`` and ``turn_around_time`` follow :mod:`spacedata.durations`, as the spacecraft
  durations do.

It lives beside :mod:`spacedata.tidy` rather than in it so that each endpoint's record shape is
read in one module of its own; its columns are declared in :mod:`spacedata.schema`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._clean import (
    _DAY,
    _NULL,
    _STR,
    _Cleaner,
    _columns,
    _empty,
    _frame,
    _listing,
    _rejected_frame,
    _screen,
    _short,
    _strings,
    _to_name,
    _types,
    _values,
    _warn_rejected,
)
from .durations import to_timedelta64 as durations
from .errors import RecordWarning
from .provenance import Provenance
from .tidy import FLIGHT_DTYPES

__all__ = ["FLOWN_BY_STATUS", "build_flights", "flight_tables", "flown_split"]

log = logging.getLogger("spacedata")

ENDPOINT = "spacecraft_flights"
_LAUNCH_KEYS = (
    "id",
    "name",
    "net",
    "net_precision",
    "status",
    "last_updated",
    "launch_service_provider",
    "rocket",
    "mission",
)
#: LL2's launch statuses (``launch.status``: id -> name, abbrev, flown?): did the launch take
#: place? True whatever its outcome; False for a launch still planned, whose ``net`` is a plan.
FLOWN_BY_STATUS: dict[int, tuple[str, str, bool]] = {
    1: ("Go for Launch", "Go", False),
    2: ("To Be Determined", "TBD", False),
    3: ("Launch Successful", "Success", True),
    4: ("Launch Failure", "Failure", True),
    5: ("On Hold", "Hold", False),
    6: ("Launch in Flight", "In Flight", True),
    7: ("Launch was a Partial Failure", "Partial Failure", True),
    8: ("To Be Confirmed", "TBC", False),
    9: ("Payload Deployed", "Deployed", True),
}
#: A status given by its name or abbreviation (older shapes give a plain string).
_FLOWN_BY_NAME = {
    text.casefold(): flown
    for name, abbrev, flown in FLOWN_BY_STATUS.values()
    for text in (name, abbrev)
}
_KEYS = (
    "spacecraft",
    "launch",
    "landing",
    "destination",
    "mission_end",
    "duration",
    "turn_around_time",
    "url",
)
_EMPTY: dict = {}
# The range of datetime64[ns], as UTC timestamps.
_LO = pd.Timestamp.min.tz_localize("UTC")
_HI = pd.Timestamp.max.tz_localize("UTC")


def flight_tables(
    records: Iterable[object], provenance: Provenance | None = None
) -> dict[str, pd.DataFrame]:
    """The tidy function of ``/spacecraft_flights/``: ``{"flights": ..., "rejected": ...}``.

    ``records`` are normal or detailed ``SpacecraftFlight`` records (the detailed crew and
    docking lists are not tabled). Never raises for a bad record (see the module docstring).
    ``provenance`` goes into both frames' ``.attrs``.
    """
    given = records if isinstance(records, list) else list(records)
    if not given:
        flights, rejected_frame = _empty(FLIGHT_DTYPES), _rejected_frame([], ENDPOINT)
        if provenance is not None:
            for frame in (flights, rejected_frame):
                frame.attrs.update(provenance.as_attrs())
        return {"flights": flights, "rejected": rejected_frame}
    c = _Cleaner()
    recs, ids, rejected = _screen(given, c)
    c.ids = ids

    def obj(values: list, field: str) -> list:
        """Embedded objects; a missing or nulled one reads as ``{}`` further down."""
        clean = c.objects(values, field)
        return [v if v is not None else _EMPTY for v in clean] if None in clean else clean

    col = _columns(recs, _KEYS)
    craft = obj(col["spacecraft"], "spacecraft")
    craft_col = _columns(craft, ("id", "name", "spacecraft_config"))
    cfg = obj(craft_col["spacecraft_config"], "spacecraft.spacecraft_config")
    cfg_col = _columns(cfg, ("id", "agency"))
    agency = obj(cfg_col["agency"], "spacecraft.spacecraft_config.agency")
    launch = obj(col["launch"], "launch")
    launch_col = _columns(launch, _LAUNCH_KEYS)
    provider = obj(launch_col["launch_service_provider"], "launch.launch_service_provider")
    rocket = obj(launch_col["rocket"], "launch.rocket")
    rocket_cfg = obj(_values(rocket, "configuration"), "launch.rocket.configuration")
    mission = obj(launch_col["mission"], "launch.mission")
    mission_col = _columns(mission, ("name", "type", "orbit"))
    landing = obj(col["landing"], "landing")
    landing_col = _columns(landing, ("attempt", "success", "type", "landing_location"))

    def text(values: list, field: str) -> list:
        return c.strings(values, field)

    def label(values: list, field: str) -> pd.Categorical:
        return pd.Categorical(c.strings(values, field))

    def name_of(values: list, field: str) -> pd.Categorical:
        """Each ``{id, name}`` object's ``name`` (a plain string is the name)."""
        return pd.Categorical(c.lookup(values, "name", _to_name, field))

    data: dict[str, object] = {
        "id": pd.array(ids, dtype="Int64"),
        "spacecraft_id": c.ints(craft_col["id"], "spacecraft.id")[1],
        "spacecraft_name": _strings(text(craft_col["name"], "spacecraft.name")),
        "launch_id": _strings(text(launch_col["id"], "launch.id")),
        "launch_name": _strings(text(launch_col["name"], "launch.name")),
        "launch_net": _utc_times(c, launch_col["net"], "launch.net"),
        "launch_net_precision": name_of(launch_col["net_precision"], "launch.net_precision"),
        "launch_status": name_of(launch_col["status"], "launch.status"),
        "flown": _flown(launch_col["status"], ids),
        "launch_provider": label(_values(provider, "name"), "launch.launch_service_provider.name"),
        "rocket": label(_values(rocket_cfg, "name"), "launch.rocket.configuration.name"),
        "mission_name": _strings(text(mission_col["name"], "launch.mission.name")),
        "mission_type": label(mission_col["type"], "launch.mission.type"),
        "orbit": name_of(mission_col["orbit"], "launch.mission.orbit"),
        "destination": label(col["destination"], "destination"),
        "mission_end": _utc_times(c, col["mission_end"], "mission_end"),
        "landing_attempt": c.bools(landing_col["attempt"], "landing.attempt"),
        "landing_success": c.bools(landing_col["success"], "landing.success"),
        "landing_type": name_of(landing_col["type"], "landing.type"),
        "landing_location": name_of(landing_col["landing_location"], "landing.landing_location"),
        "config_id": c.ints(cfg_col["id"], "spacecraft.spacecraft_config.id")[1],
        "agency_id": c.ints(_values(agency, "id"), "spacecraft.spacecraft_config.agency.id")[1],
        "url": _strings(c.strings(col["url"], "url")),
    }
    for name in ("duration", "turn_around_time"):
        data[name] = durations(col[name], ids, name)
        data[name + "_days"] = data[name] / _DAY
    flights = _frame(data, FLIGHT_DTYPES)
    c.warn()
    if rejected:
        _warn_rejected(rejected, len(given), ENDPOINT)
    rejected_frame = _rejected_frame(rejected, ENDPOINT)
    if provenance is not None:
        for frame in (flights, rejected_frame):
            frame.attrs.update(provenance.as_attrs())
    return {"flights": flights, "rejected": rejected_frame}


def build_flights(records: Iterable[object], provenance: Provenance | None = None) -> pd.DataFrame:
    """The ``flights`` table alone (rejected records are still warned about)."""
    return flight_tables(records, provenance)["flights"]


def flown_split(flights: pd.DataFrame) -> str:
    """How many of ``flights`` flew and how many are planned, in words: ``27 flown, 11
    planned`` (``, 1 of unknown status`` when some ``flown`` is NA)."""
    flown = flights["flown"]
    yes, no = int(flown.sum()), int((~flown).sum())
    unknown = int(flown.isna().sum())
    return f"{yes:,} flown, {no:,} planned" + (
        f", {unknown:,} of unknown status" if unknown else ""
    )


def _flown(statuses: list, ids: list) -> pd.arrays.BooleanArray:
    """Whether each launch took place, from its ``status`` (``{id, name}``, or a plain name or
    abbreviation as older shapes give it): NA, with one :class:`RecordWarning` naming the ids, for a status
    that is not one of :data:`FLOWN_BY_STATUS` (a missing status is NA silently)."""
    out: list[bool | None] = []
    unknown: list[str] = []
    for rid, status in zip(ids, statuses, strict=True):
        flown = _flown_of(status)
        if flown is None and status is not None:
            shown = status.get("name") if type(status) is dict else None
            unknown.append(f"id {rid}: {_short(shown if type(shown) is str else status)}")
        out.append(flown)
    if unknown:
        message = (
            f"launch.status: {len(unknown)} flight(s) with a launch status spacedata does not "
            f"know ({_listing(unknown[:10], len(unknown))}): their flown is NA (not known). "
            "The records are kept."
        )
        log.info(message)
        warnings.warn(message, RecordWarning, stacklevel=4)
    return pd.array(out, dtype="boolean")


def _flown_of(status: object) -> bool | None:
    """True/False for a known status (by id, else by name or abbreviation), else None."""
    if type(status) is dict:
        known = FLOWN_BY_STATUS.get(status.get("id"))  # type: ignore[arg-type]
        if known is not None and type(status.get("id")) is int:
            return known[2]
        status = status.get("name")
    return _FLOWN_BY_NAME.get(status.casefold()) if type(status) is str else None


def _to_time_text(v: object) -> tuple[str | None, str]:
    """A date-time must be given as text: a number says neither its unit nor its epoch."""
    return (v, "") if v is None or type(v) is str else (None, _NULL)


def _utc_times(c: _Cleaner, values: list, field: str) -> np.ndarray:
    """ISO 8601 date-times as ``datetime64[ns, UTC]``; anything else is NaT, noted by id."""
    if not _types(values) <= _STR:
        values = c.each(values, _to_time_text, field, _STR)
    text = pd.Series(pd.array(values, dtype="string"))
    times = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    bad = text.notna().to_numpy() & (times.isna() | (times < _LO) | (times > _HI)).to_numpy()
    if bad.any():
        for i in np.flatnonzero(bad):
            c.note(field, c.ids[i], values[i], None, _NULL)
        times = times.mask(pd.Series(bad, index=times.index))
    return times.astype("datetime64[ns, UTC]").array
