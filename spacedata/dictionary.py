"""The data dictionary: every column of every table, in one place.

Each entry says what a column means, its unit, and the field of the LL2 2.3.0 record it comes
from (a JSON path in the endpoint's record: ``spacecraft_config.agency.name``; ``[]`` steps into
a list). The dtype is not written here: it is read from the dtype contracts in
:mod:`spacedata.tidy` (``SPACECRAFT_DTYPES`` ...), which the tables are built to, so the two
cannot disagree. The tests check that every column of every table has an entry and that no
entry names a column that does not exist.

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

from . import tidy

__all__ = [
    "COLUMNS",
    "CONTRACTS",
    "RECORD_TYPES",
    "TABLES",
    "Column",
    "TableInfo",
    "data_dictionary",
    "problems",
    "to_markdown",
]

#: The record types the fields are read from, by endpoint (names of the LL2 2.3.0 OpenAPI).
RECORD_TYPES = {
    "spacecraft": "SpacecraftNormal",
    "spacecraft_flights": "SpacecraftFlightNormal",
}


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of one table.

    ``ll2_field`` is the JSON path in a record of ``endpoint`` (None when the column is not
    read from LL2, e.g. a position or a reason); ``unit`` is what a value counts in ("days",
    "count", "UTC", ...); ``meaning`` is one sentence.
    """

    table: str
    column: str
    unit: str
    endpoint: str | None
    ll2_field: str | None
    meaning: str

    @property
    def dtype(self) -> str:
        """The column's dtype, from its table's contract in :mod:`spacedata.tidy`."""
        return CONTRACTS[self.table][self.column]


@dataclasses.dataclass(frozen=True)
class TableInfo:
    """A table: what one row is, its key, and how to get it."""

    name: str
    row: str
    key: tuple[str, ...]
    how: str


#: Every table and its dtype contract (the contracts are :mod:`spacedata.tidy`'s own dicts).
CONTRACTS: Mapping[str, Mapping[str, str]] = {
    "spacecraft": tidy.SPACECRAFT_DTYPES,
    "configurations": tidy.CONFIGURATION_DTYPES,
    "agencies": tidy.AGENCY_DTYPES,
    "families": tidy.FAMILY_DTYPES,
    "config_families": tidy.CONFIG_FAMILY_DTYPES,
    "flights": tidy.FLIGHT_DTYPES,
    "rejected": tidy.REJECTED_DTYPES,
    "wide": tidy.WIDE_DTYPES,
    "flights_wide": tidy.FLIGHTS_WIDE_DTYPES,
}

TABLES: Mapping[str, TableInfo] = {
    t.name: t
    for t in (
        TableInfo(
            "spacecraft",
            "spacecraft (one physical vehicle, e.g. one Dragon capsule)",
            ("id",),
            "`load_tables(...).spacecraft`",
        ),
        TableInfo(
            "configurations",
            "spacecraft configuration (a model, e.g. Crew Dragon)",
            ("config_id",),
            "`load_tables(...).configurations`",
        ),
        TableInfo(
            "agencies",
            "agency that operates a configuration",
            ("agency_id",),
            "`load_tables(...).agencies`",
        ),
        TableInfo(
            "families",
            "configuration family (e.g. Soyuz)",
            ("family_id",),
            "`load_tables(...).families`",
        ),
        TableInfo(
            "config_families",
            "link between a configuration and a family it belongs to",
            ("config_id", "family_id"),
            "`load_tables(...).config_families`",
        ),
        TableInfo(
            "flights",
            "flight of one spacecraft (from `/spacecraft_flights/`)",
            ("id",),
            "`load_tables(...).flights`",
        ),
        TableInfo(
            "rejected",
            "record of any endpoint that could not be used at all (kept aside, never "
            "dropped silently)",
            ("endpoint", "position"),
            "`load_tables(...).rejected`",
        ),
        TableInfo(
            "wide",
            "spacecraft, with its configuration, agency and family names joined in",
            ("id",),
            "`load_spacecraft(...)`, `load_tables(...).wide()`",
        ),
        TableInfo(
            "flights_wide",
            "flight, with the names of the spacecraft's configuration and agency joined in",
            ("id",),
            "`load_flights(...)`, `load_tables(...).flights_wide()`",
        ),
    )
}

_SC, _FL = "spacecraft", "spacecraft_flights"
_CFG = "spacecraft_config."
_FAM = "spacecraft_config.family[]."


def _entries(table: str, endpoint: str | None, *rows: tuple[str, str, str | None, str]) -> list:
    return [
        Column(table, col, unit, endpoint if field else None, field, meaning)
        for col, unit, field, meaning in rows
    ]


_DURATION = "duration"

_SPACECRAFT = _entries(
    "spacecraft",
    _SC,
    ("id", "id", "id", "LL2's id of the spacecraft; the table's key."),
    ("name", "text", "name", "The spacecraft's name, e.g. `Soyuz 6`."),
    ("serial_number", "text", "serial_number", "The manufacturer's serial number, when known."),
    (
        "status",
        "label",
        "status.name",
        "The spacecraft's status: `Active`, `Retired`, `Single Use`, `Destroyed`, ... as LL2 "
        "names it.",
    ),
    ("in_space", "true/false", "in_space", "Whether the spacecraft is in space now."),
    (
        "is_placeholder",
        "true/false",
        "is_placeholder",
        "Whether the record stands in for a spacecraft LL2 has not identified yet (often left "
        "out of analyses).",
    ),
    ("flights_count", "count", "flights_count", "How many flights LL2 counts for the spacecraft."),
    (
        "mission_ends_count",
        "count",
        "mission_ends_count",
        "How many of its flights LL2 records as ended (landed, splashed down, or otherwise "
        "finished).",
    ),
    (
        "time_in_space",
        _DURATION,
        "time_in_space",
        "Total time the spacecraft has spent in space over all its flights.",
    ),
    (
        "time_docked",
        _DURATION,
        "time_docked",
        "Total time the spacecraft has spent docked to space stations.",
    ),
    (
        "fastest_turnaround",
        _DURATION,
        "fastest_turnaround",
        "Its quickest reuse: the shortest `turn_around_time` among its flights (see `flights`).",
    ),
    ("time_in_space_days", "days", "time_in_space", "`time_in_space` as float days, for charts."),
    ("time_docked_days", "days", "time_docked", "`time_docked` as float days, for charts."),
    (
        "fastest_turnaround_days",
        "days",
        "fastest_turnaround",
        "`fastest_turnaround` as float days, for charts.",
    ),
    (
        "config_id",
        "id",
        _CFG + "id",
        "The spacecraft's configuration; joins `configurations.config_id`.",
    ),
    ("description", "text", "description", "LL2's description of the spacecraft (free text)."),
    ("url", "URL", "url", "The spacecraft's record in the LL2 API."),
    ("image_url", "URL", "image.image_url", "A picture of the spacecraft, when LL2 has one."),
    (
        "seen_in",
        "label",
        None,
        "Where the row comes from: `spacecraft` (sent by `/spacecraft/`) or "
        "`spacecraft_flights` (known only from the spacecraft record its newest flight embeds: "
        "a partial sample or a filtered sync lacked it).",
    ),
)

_CONFIGURATIONS = _entries(
    "configurations",
    _SC,
    ("config_id", "id", _CFG + "id", "LL2's id of the configuration; the table's key."),
    ("config_name", "text", _CFG + "name", "The configuration's name, e.g. `Soyuz MS`."),
    (
        "config_type",
        "label",
        _CFG + "type.name",
        "The kind of spacecraft, e.g. `Capsule`, `Cargo Resupply`, `Lander`, as LL2 spells it.",
    ),
    ("config_in_use", "true/false", _CFG + "in_use", "Whether the configuration is still in use."),
    (
        "agency_id",
        "id",
        _CFG + "agency.id",
        "The agency that operates the configuration; joins `agencies.agency_id`.",
    ),
)

_AGENCIES = _entries(
    "agencies",
    _SC,
    ("agency_id", "id", _CFG + "agency.id", "LL2's id of the agency; the table's key."),
    (
        "agency_name",
        "text",
        _CFG + "agency.name",
        "The agency's full name, e.g. `National Aeronautics and Space Administration`.",
    ),
    ("agency_abbrev", "text", _CFG + "agency.abbrev", "The agency's abbreviation, e.g. `NASA`."),
    (
        "agency_type",
        "label",
        _CFG + "agency.type.name",
        "The kind of agency: `Government`, `Commercial`, ... (a plain string in LL2 2.2.0).",
    ),
)

_FAMILIES = _entries(
    "families",
    _SC,
    ("family_id", "id", _FAM + "id", "LL2's id of the family; the table's key."),
    ("family_name", "text", _FAM + "name", "The family's name, e.g. `Soyuz`."),
    ("family_description", "text", _FAM + "description", "LL2's description of the family."),
    ("manufacturer", "text", _FAM + "manufacturer.name", "The agency that builds the family."),
    (
        "parent_family_id",
        "id",
        _FAM + "parent.id",
        "The family this one belongs to, if any; joins `families.family_id`.",
    ),
    (
        "maiden_flight",
        "date (UTC)",
        _FAM + "maiden_flight",
        "The date of the family's first flight (naive, read as UTC).",
    ),
)

_CONFIG_FAMILIES = _entries(
    "config_families",
    _SC,
    ("config_id", "id", _CFG + "id", "The configuration; joins `configurations.config_id`."),
    ("family_id", "id", _FAM + "id", "A family it belongs to; joins `families.family_id`."),
)

_FC = "spacecraft.spacecraft_config."
_FLIGHTS = _entries(
    "flights",
    _FL,
    ("id", "id", "id", "LL2's id of the spacecraft flight; the table's key."),
    (
        "spacecraft_id",
        "id",
        "spacecraft.id",
        "The spacecraft that flew; joins `spacecraft.id`.",
    ),
    (
        "spacecraft_name",
        "text",
        "spacecraft.name",
        "The spacecraft's name, as the flight gives it.",
    ),
    ("launch_id", "UUID", "launch.id", "LL2's id of the launch (a UUID, as text)."),
    (
        "launch_name",
        "text",
        "launch.name",
        "The launch's name (LL2 names a launch after its rocket and mission).",
    ),
    (
        "launch_net",
        "UTC",
        "launch.net",
        "The launch time (LL2's NET: no earlier than), in UTC.",
    ),
    (
        "launch_net_precision",
        "label",
        "launch.net_precision.name",
        "How exact `launch_net` is, as LL2 names it: `Second`, `Minute`, `Month`, `Quarter 4`, "
        "`Year`... A coarse one comes with a placeholder date (`Year`: 2026-12-31 means some "
        "time in 2026).",
    ),
    (
        "launch_status",
        "label",
        "launch.status.name",
        "The launch's status, e.g. `Launch Successful`, `To Be Determined`.",
    ),
    (
        "flown",
        "true/false",
        "launch.status",
        "Whether the launch took place, whatever its outcome (success, failure, partial "
        "failure, in flight, payload deployed); false for a planned one (Go, TBD, TBC, On Hold), "
        "whose `launch_net` is a plan and `turn_around_time` a forecast. NA for a status "
        "spacedata does not know.",
    ),
    (
        "launch_provider",
        "label",
        "launch.launch_service_provider.name",
        "The organisation that provided the launch.",
    ),
    ("rocket", "label", "launch.rocket.configuration.name", "The launch vehicle, e.g. `Falcon 9`."),
    ("mission_name", "text", "launch.mission.name", "The mission's name."),
    (
        "mission_type",
        "label",
        "launch.mission.type",
        "The kind of mission, e.g. `Human Exploration`.",
    ),
    ("orbit", "label", "launch.mission.orbit.name", "The target orbit, e.g. `Low Earth Orbit`."),
    (
        "destination",
        "label",
        "destination",
        "Where the spacecraft went, e.g. `International Space Station`.",
    ),
    (
        "mission_end",
        "UTC",
        "mission_end",
        "When the flight ended (landing or end of mission), in UTC; NaT while it goes on.",
    ),
    ("duration", _DURATION, "duration", "How long the flight lasted, from launch to its end."),
    (
        "turn_around_time",
        _DURATION,
        "turn_around_time",
        "The time between the end of the spacecraft's previous flight and this launch.",
    ),
    ("duration_days", "days", "duration", "`duration` as float days, for charts."),
    (
        "turn_around_time_days",
        "days",
        "turn_around_time",
        "`turn_around_time` as float days, for charts.",
    ),
    ("landing_attempt", "true/false", "landing.attempt", "Whether a landing was attempted."),
    (
        "landing_success",
        "true/false",
        "landing.success",
        "Whether the landing succeeded; NA when not known (yet).",
    ),
    ("landing_type", "label", "landing.type.name", "How it landed, e.g. `Ocean Splashdown`."),
    (
        "landing_location",
        "label",
        "landing.landing_location.name",
        "Where it landed, e.g. `Pacific Ocean`.",
    ),
    (
        "config_id",
        "id",
        _FC + "id",
        "The spacecraft's configuration; joins `configurations.config_id`.",
    ),
    (
        "agency_id",
        "id",
        _FC + "agency.id",
        "The agency of the spacecraft's configuration; joins `agencies.agency_id`.",
    ),
    ("url", "URL", "url", "The flight's record in the LL2 API."),
)

_REJECTED = _entries(
    "rejected",
    None,
    (
        "endpoint",
        "name",
        None,
        "The endpoint the record came from: `spacecraft` or `spacecraft_flights`.",
    ),
    (
        "position",
        "index",
        None,
        "The record's position (from 0) in the records that endpoint gave.",
    ),
    (
        "id",
        "text",
        None,
        "The record's `id` as given (a string as is, anything else as JSON); NA when it has none.",
    ),
    ("reason", "text", None, "Why the record could not be used, e.g. `no id`."),
    ("raw", "JSON", None, "The whole record as JSON text (keys sorted)."),
)

# The wide frames: columns of the tables they join, plus what the join makes.
_WIDE_EXTRA = _entries(
    "wide",
    _SC,
    (
        "families",
        "text",
        _FAM + "name",
        "The names of the configuration's families, sorted and joined with `; `.",
    ),
)


def _joined(table: str, sources: tuple[list[Column], ...], extra: list[Column]) -> list[Column]:
    """The entries of a joined frame: each column's entry in the first table that has it,
    with a note that names the join."""
    by_name: dict[str, Column] = {e.column: e for e in extra}
    for entries in sources:
        for e in entries:
            if e.column not in by_name:
                joined = e.table != sources[0][0].table
                meaning = e.meaning
                if joined:
                    meaning = f"{meaning} Joined in from `{e.table}`."
                by_name[e.column] = dataclasses.replace(e, table=table, meaning=meaning)
    return [by_name[c] for c in CONTRACTS[table] if c in by_name]


_WIDE = _joined("wide", (_SPACECRAFT, _CONFIGURATIONS, _AGENCIES), _WIDE_EXTRA)
_FLIGHTS_WIDE = _joined("flights_wide", (_FLIGHTS, _CONFIGURATIONS, _AGENCIES), [])

#: Every entry, table by table, in each table's column order.
COLUMNS: tuple[Column, ...] = (
    *_SPACECRAFT,
    *_CONFIGURATIONS,
    *_AGENCIES,
    *_FAMILIES,
    *_CONFIG_FAMILIES,
    *_FLIGHTS,
    *_REJECTED,
    *_WIDE,
    *_FLIGHTS_WIDE,
)

_FIELDS = ("table", "column", "dtype", "unit", "endpoint", "ll2_field", "meaning")


def problems() -> list[str]:
    """Differences between the entries and the dtype contracts: columns without an entry,
    entries for columns that do not exist, and entries given twice. Empty when they agree."""
    out = [f"unknown table {t!r}" for t in TABLES if t not in CONTRACTS]
    out += [f"table {t!r} has no description" for t in CONTRACTS if t not in TABLES]
    seen: set[tuple[str, str]] = set()
    for e in COLUMNS:
        if (e.table, e.column) in seen:
            out.append(f"{e.table}.{e.column}: more than one entry")
        seen.add((e.table, e.column))
        if e.table not in CONTRACTS or e.column not in CONTRACTS[e.table]:
            out.append(f"{e.table}.{e.column}: an entry for a column the table does not have")
    for table, contract in CONTRACTS.items():
        out += [
            f"{table}.{c}: a column without an entry" for c in contract if (table, c) not in seen
        ]
    return out


def data_dictionary(table: str | None = None) -> pd.DataFrame:
    """The data dictionary as a frame: one row per (table, column).

    Args:
        table: one table's entries only: ``spacecraft``, ``configurations``, ``agencies``,
            ``families``, ``config_families``, ``flights``, ``rejected``, ``wide`` (the frame
            of :func:`spacedata.load_spacecraft`) or ``flights_wide`` (of
            :func:`spacedata.load_flights`). Default: every table.

    Returns:
        A ``pandas.DataFrame`` with the string columns ``table``, ``column``, ``dtype`` (from
        the table's contract in :mod:`spacedata.tidy`), ``unit`` (``days``, ``count``, ``UTC``,
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
    if table is not None and table not in CONTRACTS:
        raise ValueError(f"table={table!r}: use one of {', '.join(CONTRACTS)} (or None for all).")
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
