"""Fixture builders for records of other API shapes: LL2 2.2.0 pages and hostile field values.

Everything starts from real 2.3.0 records (the bundled snapshot) and changes one thing, the way
older API versions or a broken upstream would. The 2.3.0 shape is in
``shared/reference/ll2-2.3.0-spacecraft-openapi.yml``; the 2.2.0 differences used here are the
documented ones (``shared/reference/LL2-FACTS.md``): ``agency.type`` is a plain string such as
``"Government"``, and list records have no ``time_in_space`` / ``flights_count``. 2.2.0 also
predates ``response_mode``, so that key is dropped too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from spacedata.errors import DurationWarning, RecordWarning

#: The real record the field shapes are made from: Ship 30 (SpaceX Starship, config 26, agency
#: 121, family 8). Its configuration is carried by no other real record, so a change to it is
#: the one the tables keep.
BASE_ID = 594
NA = pd.NA


def v220(record: dict) -> dict:
    """A 2.3.0 spacecraft record as LL2 2.2.0 lists it (a deep copy; the input is untouched)."""
    rec = _without_response_mode(copy.deepcopy(record))
    rec.pop("time_in_space", None)
    rec.pop("flights_count", None)
    cfg = rec.get("spacecraft_config") or {}
    agencies = [cfg.get("agency")] + [f.get("manufacturer") for f in cfg.get("family") or ()]
    for agency in agencies:
        if isinstance(agency, dict) and isinstance(agency.get("type"), dict):
            agency["type"] = agency["type"]["name"]
    return rec


def v220_page(records: list[dict]) -> list[dict]:
    """A whole page of records in the 2.2.0 shape."""
    return [v220(r) for r in records]


def _without_response_mode(value: object) -> object:
    if isinstance(value, dict):
        value.pop("response_mode", None)
        for v in value.values():
            _without_response_mode(v)
    elif isinstance(value, list):
        for v in value:
            _without_response_mode(v)
    return value


def setting(path: str, value: object) -> Callable[[dict], dict]:
    """A builder that sets ``path`` (dotted; digits index lists) of a record to ``value``."""
    *parents, last = path.split(".")

    def make(rec: dict) -> dict:
        _at(rec, parents)[last] = value
        return rec

    return make


def dropping(*paths: str) -> Callable[[dict], dict]:
    """A builder that removes the keys at ``paths`` (dotted) from a record."""

    def make(rec: dict) -> dict:
        for path in paths:
            *parents, last = path.split(".")
            del _at(rec, parents)[last]
        return rec

    return make


def _at(rec: dict, keys: list[str]) -> dict:
    obj: object = rec
    for key in keys:
        obj = obj[int(key)] if isinstance(obj, list) else obj[key]
    return obj


def replacing(value: object) -> Callable[[dict], object]:
    """A builder that ignores the record and returns ``value`` (a record that is no object)."""
    return lambda rec: copy.deepcopy(value)


def received_with(records: list[dict], odd: object) -> list:
    """The real records with the base record replaced by ``odd``, placed last (the last copy of
    a configuration is the one the tables keep)."""
    return [r for r in records if r["id"] != BASE_ID] + [odd]


@dataclass(frozen=True)
class Shape:
    """An odd shape of one field that must load: how to make it, and what the tables hold.

    ``table``/``row``/``column`` locate the value (``wide`` is keyed by spacecraft id, other
    tables by their first key); ``expect`` is the value, ``NA`` for null. ``warning`` is the one
    warning class expected (None: no warning at all); its message names ``field`` and the
    spacecraft id ``key``.
    """

    name: str
    make: Callable[[dict], object]
    column: str
    expect: object
    warning: type[Warning] | None = None
    field: str = ""
    key: int = BASE_ID
    table: str = "wide"
    row: int | None = None


SHAPES = [
    # Known older shapes map to their value, silently.
    Shape(
        "2.2.0 agency.type string",
        setting("spacecraft_config.agency.type", "Government"),
        "agency_type",
        "Government",
    ),
    Shape("2.2.0 no time_in_space", dropping("time_in_space"), "time_in_space", NA),
    Shape("2.2.0 no flights_count", dropping("flights_count"), "flights_count", NA),
    Shape("2.2.0 whole record", v220, "agency_type", "Commercial"),
    Shape("status as a string", setting("status", "Retired"), "status", "Retired"),
    Shape(
        "config type as a string",
        setting("spacecraft_config.type", "Capsule"),
        "config_type",
        "Capsule",
    ),
    Shape(
        "manufacturer as a string",
        setting("spacecraft_config.family.0.manufacturer", "SpaceX"),
        "manufacturer",
        "SpaceX",
        table="families",
        row=8,
    ),
    # Missing and null.
    Shape(
        "fields missing",
        dropping("name", "status", "image", "in_space", "spacecraft_config.agency"),
        "name",
        NA,
    ),
    Shape("status null", setting("status", None), "status", NA),
    Shape("spacecraft_config null", setting("spacecraft_config", None), "config_id", NA),
    Shape("duration null", setting("time_docked", None), "time_docked", NA),
    # Values that convert without loss are coerced, with a warning.
    Shape("id as digit string", setting("id", "42"), "name", "Ship 30", RecordWarning, "id", 42),
    Shape(
        "config id as digit string",
        setting("spacecraft_config.id", "26"),
        "config_name",
        "Starship V1",
        RecordWarning,
        "spacecraft_config.id",
    ),
    Shape(
        "agency id as digit string",
        setting("spacecraft_config.agency.id", "121"),
        "agency_abbrev",
        "SpX",
        RecordWarning,
        "spacecraft_config.agency.id",
    ),
    Shape(
        "flights_count as digit string",
        setting("flights_count", "3"),
        "flights_count",
        3,
        RecordWarning,
        "flights_count",
    ),
    Shape("boolean as 'true'", setting("in_space", "true"), "in_space", True, RecordWarning),
    Shape("boolean as 'False'", setting("in_space", "False"), "in_space", False, RecordWarning),
    Shape("boolean as 1", setting("is_placeholder", 1), "is_placeholder", True, RecordWarning),
    Shape(
        "config in_use as 0",
        setting("spacecraft_config.in_use", 0),
        "config_in_use",
        False,
        RecordWarning,
        "spacecraft_config.in_use",
    ),
    Shape(
        "image as a string",
        setting("image", "https://example.org/ship30.jpg"),
        "image_url",
        "https://example.org/ship30.jpg",
        RecordWarning,
        "image",
    ),
    Shape(
        "serial_number as a number",
        setting("serial_number", 30),
        "serial_number",
        "30",
        RecordWarning,
        "serial_number",
    ),
    # Truly wrong types become null, with a warning.
    Shape("name as an object", setting("name", {"en": "Ship 30"}), "name", NA, RecordWarning),
    Shape("description as a list", setting("description", ["a"]), "description", NA, RecordWarning),
    Shape("status as a list", setting("status", ["Active"]), "status", NA, RecordWarning),
    Shape("status as a number", setting("status", 3), "status", NA, RecordWarning),
    Shape(
        "status name as an object", setting("status.name", {"x": 1}), "status", NA, RecordWarning
    ),
    Shape(
        "spacecraft_config as a list",
        lambda rec: setting("spacecraft_config", [rec["spacecraft_config"]])(rec),
        "config_id",
        NA,
        RecordWarning,
        "spacecraft_config",
    ),
    Shape(
        "spacecraft_config as a string",
        setting("spacecraft_config", "Starship"),
        "config_id",
        NA,
        RecordWarning,
        "spacecraft_config",
    ),
    Shape("image as a number", setting("image", 7), "image_url", NA, RecordWarning, "image"),
    Shape("boolean as 'yes'", setting("in_space", "yes"), "in_space", NA, RecordWarning),
    Shape("boolean as 2", setting("in_space", 2), "in_space", NA, RecordWarning),
    Shape(
        "flights_count as a float",
        setting("flights_count", 2.5),
        "flights_count",
        NA,
        RecordWarning,
    ),
    Shape(
        "flights_count as a bool",
        setting("flights_count", True),
        "flights_count",
        NA,
        RecordWarning,
    ),
    Shape(
        "flights_count beyond int64",
        setting("flights_count", 2**70),
        "flights_count",
        NA,
        RecordWarning,
    ),
    Shape(
        "config id as a non-digit string",
        setting("spacecraft_config.id", "twenty-six"),
        "config_id",
        NA,
        RecordWarning,
        "spacecraft_config.id",
    ),
    Shape(
        "agency as a string",
        setting("spacecraft_config.agency", "SpaceX"),
        "agency_id",
        NA,
        RecordWarning,
        "spacecraft_config.agency",
    ),
    Shape(
        "agency name as an object",
        setting("spacecraft_config.agency.name", {"en": "SpaceX"}),
        "agency_name",
        NA,
        RecordWarning,
        "spacecraft_config.agency.name",
    ),
    Shape(
        "agency type as a list",
        setting("spacecraft_config.agency.type", ["Commercial"]),
        "agency_type",
        NA,
        RecordWarning,
        "spacecraft_config.agency.type",
    ),
    Shape(
        "family as an object",
        lambda rec: setting("spacecraft_config.family", rec["spacecraft_config"]["family"][0])(rec),
        "families",
        NA,
        RecordWarning,
        "spacecraft_config.family",
    ),
    Shape(
        "family without id",
        dropping("spacecraft_config.family.0.id"),
        "families",
        NA,
        RecordWarning,
        "spacecraft_config.family.id",
    ),
    Shape(
        "maiden_flight not a date",
        setting("spacecraft_config.family.0.maiden_flight", "soon"),
        "maiden_flight",
        NA,
        RecordWarning,
        "spacecraft_config.family.maiden_flight",
        table="families",
        row=8,
    ),
    Shape(
        "maiden_flight beyond datetime64[ns]",
        setting("spacecraft_config.family.0.maiden_flight", "0001-01-01"),
        "maiden_flight",
        NA,
        RecordWarning,
        "spacecraft_config.family.maiden_flight",
        table="families",
        row=8,
    ),
    # Durations: NaT with a DurationWarning.
    Shape(
        "P99999999D", setting("time_in_space", "P99999999D"), "time_in_space", NA, DurationWarning
    ),
    Shape(
        "duration past timedelta",
        setting("time_docked", "P9999999999D"),
        "time_docked",
        NA,
        DurationWarning,
    ),
    Shape(
        "duration with a huge hour count",
        setting("time_in_space", "PT99999999999H"),
        "time_in_space",
        NA,
        DurationWarning,
    ),
    Shape(
        "duration as seconds (int)",
        setting("time_in_space", 11160),
        "time_in_space",
        NA,
        DurationWarning,
    ),
    Shape(
        "duration as days (float)",
        setting("fastest_turnaround", 3.5),
        "fastest_turnaround",
        NA,
        DurationWarning,
    ),
    Shape(
        "duration as an object",
        setting("time_docked", {"days": 1}),
        "time_docked",
        NA,
        DurationWarning,
    ),
]


@dataclass(frozen=True)
class Reject:
    """A record that cannot be used at all: how to make it, and its row in ``Tables.rejected``."""

    name: str
    make: Callable[[dict], object]
    id_text: str | None
    reason: str


REJECTS = [
    Reject("not an object (int)", replacing(5), None, "not an object (int)"),
    Reject("not an object (str)", replacing("Ship 30"), None, "not an object (str)"),
    Reject("not an object (list)", replacing([{"id": 1}]), None, "not an object (list)"),
    Reject("not an object (null)", replacing(None), None, "not an object (null)"),
    Reject("id missing", dropping("id"), None, "no id"),
    Reject("id null", setting("id", None), None, "no id"),
    Reject("id bool", setting("id", True), "true", "id is not an integer: True"),
    Reject("id float", setting("id", 594.0), "594.0", "id is not an integer: 594.0"),
    Reject("id non-digit string", setting("id", "abc"), "abc", "id is not an integer: 'abc'"),
    Reject("id negative string", setting("id", "-5"), "-5", "id is not an integer: '-5'"),
    Reject("id non-ASCII digits", setting("id", "٤٢"), "٤٢", "id is not an integer: '٤٢'"),
    Reject("id empty string", setting("id", ""), "", "id is not an integer: ''"),
    Reject(
        "id nested object",
        setting("id", {"id": 594}),
        '{"id":594}',
        "id is not an integer: {'id': 594}",
    ),
    Reject("id list", setting("id", [594]), "[594]", "id is not an integer: [594]"),
    Reject(
        "id beyond int64",
        setting("id", 2**70),
        str(2**70),
        f"id out of int64 range: {2**70}",
    ),
    Reject(
        "id digit string of a loaded id",
        setting("id", "201"),
        "201",
        "duplicate id 201 (given as '201')",
    ),
]
