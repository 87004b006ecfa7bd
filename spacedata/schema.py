"""Every column of every table, declared once: name, dtype, unit, LL2 field and meaning.

The dtype contracts the tables are built to (``tidy.SPACECRAFT_DTYPES`` ...), the data
dictionary (:func:`spacedata.data_dictionary`) and its documentation page are all derived from
these declarations, so they cannot disagree; adding a column is one :class:`Column` line here
(and the code that fills it). ``ll2_field`` is a JSON path in a record of the table's endpoint
(``spacecraft_config.agency.name``; ``[]`` steps into a list), None for a column that is not
read from LL2. ``unit`` is what a value counts in (``days``, ``count``, ``UTC``, ...).

The two wide frames (:func:`spacedata.load_spacecraft`, :func:`spacedata.load_flights`) are
declared as joins: their columns are those of the tables they join, plus what the join makes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

__all__ = ["TABLES", "Column", "Table"]


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its ``name``, pandas ``dtype``, ``unit``, the ``ll2_field`` it is read
    from (None: not read from LL2) and its ``meaning`` (one sentence). ``endpoint``: the
    endpoint whose record ``ll2_field`` is a path in, when not its table's (a joined column)."""

    name: str
    dtype: str
    unit: str
    ll2_field: str | None
    meaning: str
    endpoint: str | None = None


@dataclasses.dataclass(frozen=True)
class Table:
    """A table: its name, the ``endpoint`` its fields are read from (None: none), what one
    ``row`` is, its ``key``, ``how`` to get it, and its columns in order."""

    name: str
    endpoint: str | None
    row: str
    key: tuple[str, ...]
    how: str
    columns: tuple[Column, ...]

    def __init__(self, name, endpoint, row, key, how, *columns: Column) -> None:  # noqa: ANN001
        for field, value in zip(
            ("name", "endpoint", "row", "key", "how", "columns"),
            (name, endpoint, row, key, how, columns),
            strict=True,
        ):
            object.__setattr__(self, field, value)

    @property
    def dtypes(self) -> dict[str, str]:
        """The dtype contract: column name -> dtype, in column order."""
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def endpoint_of(self, column: Column) -> str | None:
        """The endpoint ``column`` is read from; None when it is not read from LL2."""
        return (column.endpoint or self.endpoint) if column.ll2_field else None

    def joined(
        self,
        name: str,
        row: str,
        how: str,
        joins: tuple[tuple[Table, str, str | None], ...],
        *extra: Column,
    ) -> Table:
        """This table's columns, then each ``(table, column, dtype or None)`` of ``joins``
        (its meaning says where it was joined from; a dtype replaces the table's), then
        ``extra``: the table of a wide frame."""
        more = [
            dataclasses.replace(
                t.column(c),
                dtype=dtype or t.column(c).dtype,
                meaning=f"{t.column(c).meaning} Joined in from `{t.name}`.",
                endpoint=t.endpoint_of(t.column(c)),
            )
            for t, c, dtype in joins
        ]
        return Table(name, self.endpoint, row, self.key, how, *self.columns, *more, *extra)


SPACECRAFT = Table(
    "spacecraft",
    "spacecraft",
    "spacecraft (one physical vehicle, e.g. one Dragon capsule)",
    ("id",),
    "`load_tables(...).spacecraft`",
    Column("id", "Int64", "id", "id", "LL2's id of the spacecraft; the table's key."),
    Column("name", "string", "text", "name", "The spacecraft's name, e.g. `Soyuz 6`."),
    Column(
        "serial_number",
        "string",
        "text",
        "serial_number",
        "The manufacturer's serial number, when known.",
    ),
    Column(
        "status",
        "category",
        "label",
        "status.name",
        "The spacecraft's status: `Active`, `Retired`, `Single Use`, `Destroyed`, ... as LL2 names it.",
    ),
    Column(
        "in_space", "boolean", "true/false", "in_space", "Whether the spacecraft is in space now."
    ),
    Column(
        "is_placeholder",
        "boolean",
        "true/false",
        "is_placeholder",
        "Whether the record stands in for a spacecraft LL2 has not identified yet (often left out of analyses).",
    ),
    Column(
        "flights_count",
        "Int64",
        "count",
        "flights_count",
        "How many flights LL2 counts for the spacecraft.",
    ),
    Column(
        "mission_ends_count",
        "Int64",
        "count",
        "mission_ends_count",
        "How many of its flights LL2 records as ended (landed, splashed down, or otherwise finished).",
    ),
    Column(
        "time_in_space",
        "timedelta64[ns]",
        "duration",
        "time_in_space",
        "Total time the spacecraft has spent in space over all its flights.",
    ),
    Column(
        "time_docked",
        "timedelta64[ns]",
        "duration",
        "time_docked",
        "Total time the spacecraft has spent docked to space stations.",
    ),
    Column(
        "fastest_turnaround",
        "timedelta64[ns]",
        "duration",
        "fastest_turnaround",
        "Its quickest reuse: the shortest `turn_around_time` among its flights (see `flights`).",
    ),
    Column(
        "time_in_space_days",
        "float64",
        "days",
        "time_in_space",
        "`time_in_space` as float days, for charts.",
    ),
    Column(
        "time_docked_days",
        "float64",
        "days",
        "time_docked",
        "`time_docked` as float days, for charts.",
    ),
    Column(
        "fastest_turnaround_days",
        "float64",
        "days",
        "fastest_turnaround",
        "`fastest_turnaround` as float days, for charts.",
    ),
    Column(
        "config_id",
        "Int64",
        "id",
        "spacecraft_config.id",
        "The spacecraft's configuration; joins `configurations.config_id`.",
    ),
    Column(
        "description",
        "string",
        "text",
        "description",
        "LL2's description of the spacecraft (free text).",
    ),
    Column("url", "string", "URL", "url", "The spacecraft's record in the LL2 API."),
    Column(
        "image_url",
        "string",
        "URL",
        "image.image_url",
        "A picture of the spacecraft, when LL2 has one.",
    ),
    Column(
        "seen_in",
        "category",
        "label",
        None,
        "Where the row comes from: `spacecraft` (sent by `/spacecraft/`) or `spacecraft_flights` (known only from the spacecraft record its newest flight embeds: a partial sample or a filtered sync lacked it).",
    ),
)
CONFIGURATIONS = Table(
    "configurations",
    "spacecraft",
    "spacecraft configuration (a model, e.g. Crew Dragon)",
    ("config_id",),
    "`load_tables(...).configurations`",
    Column(
        "config_id",
        "Int64",
        "id",
        "spacecraft_config.id",
        "LL2's id of the configuration; the table's key.",
    ),
    Column(
        "config_name",
        "string",
        "text",
        "spacecraft_config.name",
        "The configuration's name, e.g. `Soyuz MS`.",
    ),
    Column(
        "config_type",
        "category",
        "label",
        "spacecraft_config.type.name",
        "The kind of spacecraft, e.g. `Capsule`, `Cargo Resupply`, `Lander`, as LL2 spells it.",
    ),
    Column(
        "config_in_use",
        "boolean",
        "true/false",
        "spacecraft_config.in_use",
        "Whether the configuration is still in use.",
    ),
    Column(
        "agency_id",
        "Int64",
        "id",
        "spacecraft_config.agency.id",
        "The agency that operates the configuration; joins `agencies.agency_id`.",
    ),
)
AGENCIES = Table(
    "agencies",
    "spacecraft",
    "agency that operates a configuration",
    ("agency_id",),
    "`load_tables(...).agencies`",
    Column(
        "agency_id",
        "Int64",
        "id",
        "spacecraft_config.agency.id",
        "LL2's id of the agency; the table's key.",
    ),
    Column(
        "agency_name",
        "string",
        "text",
        "spacecraft_config.agency.name",
        "The agency's full name, e.g. `National Aeronautics and Space Administration`.",
    ),
    Column(
        "agency_abbrev",
        "string",
        "text",
        "spacecraft_config.agency.abbrev",
        "The agency's abbreviation, e.g. `NASA`.",
    ),
    Column(
        "agency_type",
        "category",
        "label",
        "spacecraft_config.agency.type.name",
        "The kind of agency: `Government`, `Commercial`, ... (a plain string in LL2 2.2.0).",
    ),
)
FAMILIES = Table(
    "families",
    "spacecraft",
    "configuration family (e.g. Soyuz)",
    ("family_id",),
    "`load_tables(...).families`",
    Column(
        "family_id",
        "Int64",
        "id",
        "spacecraft_config.family[].id",
        "LL2's id of the family; the table's key.",
    ),
    Column(
        "family_name",
        "string",
        "text",
        "spacecraft_config.family[].name",
        "The family's name, e.g. `Soyuz`.",
    ),
    Column(
        "family_description",
        "string",
        "text",
        "spacecraft_config.family[].description",
        "LL2's description of the family.",
    ),
    Column(
        "manufacturer",
        "string",
        "text",
        "spacecraft_config.family[].manufacturer.name",
        "The agency that builds the family.",
    ),
    Column(
        "parent_family_id",
        "Int64",
        "id",
        "spacecraft_config.family[].parent.id",
        "The family this one belongs to, if any; joins `families.family_id`.",
    ),
    Column(
        "maiden_flight",
        "datetime64[ns]",
        "date (UTC)",
        "spacecraft_config.family[].maiden_flight",
        "The date of the family's first flight (naive, read as UTC).",
    ),
)
CONFIG_FAMILIES = Table(
    "config_families",
    "spacecraft",
    "link between a configuration and a family it belongs to",
    ("config_id", "family_id"),
    "`load_tables(...).config_families`",
    Column(
        "config_id",
        "Int64",
        "id",
        "spacecraft_config.id",
        "The configuration; joins `configurations.config_id`.",
    ),
    Column(
        "family_id",
        "Int64",
        "id",
        "spacecraft_config.family[].id",
        "A family it belongs to; joins `families.family_id`.",
    ),
)
FLIGHTS = Table(
    "flights",
    "spacecraft_flights",
    "flight of one spacecraft (from `/spacecraft_flights/`)",
    ("id",),
    "`load_tables(...).flights`",
    Column("id", "Int64", "id", "id", "LL2's id of the spacecraft flight; the table's key."),
    Column(
        "spacecraft_id",
        "Int64",
        "id",
        "spacecraft.id",
        "The spacecraft that flew; joins `spacecraft.id`.",
    ),
    Column(
        "spacecraft_name",
        "string",
        "text",
        "spacecraft.name",
        "The spacecraft's name, as the flight gives it.",
    ),
    Column("launch_id", "string", "UUID", "launch.id", "LL2's id of the launch (a UUID, as text)."),
    Column(
        "launch_name",
        "string",
        "text",
        "launch.name",
        "The launch's name (LL2 names a launch after its rocket and mission).",
    ),
    Column(
        "launch_net",
        "datetime64[ns, UTC]",
        "UTC",
        "launch.net",
        "The launch time (LL2's NET: no earlier than), in UTC.",
    ),
    Column(
        "launch_net_precision",
        "category",
        "label",
        "launch.net_precision.name",
        "How exact `launch_net` is, as LL2 names it: `Second`, `Minute`, `Month`, `Quarter 4`, `Year`... A coarse one comes with a placeholder date (`Year`: 2026-12-31 means some time in 2026).",
    ),
    Column(
        "launch_status",
        "category",
        "label",
        "launch.status.name",
        "The launch's status, e.g. `Launch Successful`, `To Be Determined`.",
    ),
    Column(
        "flown",
        "boolean",
        "true/false",
        "launch.status",
        "Whether the launch took place, whatever its outcome (success, failure, partial failure, in flight, payload deployed); false for a planned one (Go, TBD, TBC, On Hold), whose `launch_net` is a plan and `turn_around_time` a forecast. NA for a status spacedata does not know.",
    ),
    Column(
        "launch_provider",
        "category",
        "label",
        "launch.launch_service_provider.name",
        "The organisation that provided the launch.",
    ),
    Column(
        "rocket",
        "category",
        "label",
        "launch.rocket.configuration.name",
        "The launch vehicle, e.g. `Falcon 9`.",
    ),
    Column("mission_name", "string", "text", "launch.mission.name", "The mission's name."),
    Column(
        "mission_type",
        "category",
        "label",
        "launch.mission.type",
        "The kind of mission, e.g. `Human Exploration`.",
    ),
    Column(
        "orbit",
        "category",
        "label",
        "launch.mission.orbit.name",
        "The target orbit, e.g. `Low Earth Orbit`.",
    ),
    Column(
        "destination",
        "category",
        "label",
        "destination",
        "Where the spacecraft went, e.g. `International Space Station`.",
    ),
    Column(
        "mission_end",
        "datetime64[ns, UTC]",
        "UTC",
        "mission_end",
        "When the flight ended (landing or end of mission), in UTC; NaT while it goes on.",
    ),
    Column(
        "duration",
        "timedelta64[ns]",
        "duration",
        "duration",
        "How long the flight lasted, from launch to its end.",
    ),
    Column(
        "turn_around_time",
        "timedelta64[ns]",
        "duration",
        "turn_around_time",
        "The time between the end of the spacecraft's previous flight and this launch.",
    ),
    Column("duration_days", "float64", "days", "duration", "`duration` as float days, for charts."),
    Column(
        "turn_around_time_days",
        "float64",
        "days",
        "turn_around_time",
        "`turn_around_time` as float days, for charts.",
    ),
    Column(
        "landing_attempt",
        "boolean",
        "true/false",
        "landing.attempt",
        "Whether a landing was attempted.",
    ),
    Column(
        "landing_success",
        "boolean",
        "true/false",
        "landing.success",
        "Whether the landing succeeded; NA when not known (yet).",
    ),
    Column(
        "landing_type",
        "category",
        "label",
        "landing.type.name",
        "How it landed, e.g. `Ocean Splashdown`.",
    ),
    Column(
        "landing_location",
        "category",
        "label",
        "landing.landing_location.name",
        "Where it landed, e.g. `Pacific Ocean`.",
    ),
    Column(
        "config_id",
        "Int64",
        "id",
        "spacecraft.spacecraft_config.id",
        "The spacecraft's configuration; joins `configurations.config_id`.",
    ),
    Column(
        "agency_id",
        "Int64",
        "id",
        "spacecraft.spacecraft_config.agency.id",
        "The agency of the spacecraft's configuration; joins `agencies.agency_id`.",
    ),
    Column("url", "string", "URL", "url", "The flight's record in the LL2 API."),
)
REJECTED = Table(
    "rejected",
    None,
    "record of any endpoint that could not be used at all (kept aside, never dropped silently)",
    ("endpoint", "position"),
    "`load_tables(...).rejected`",
    Column(
        "endpoint",
        "string",
        "name",
        None,
        "The endpoint the record came from: `spacecraft` or `spacecraft_flights`.",
    ),
    Column(
        "position",
        "Int64",
        "index",
        None,
        "The record's position (from 0) in the records that endpoint gave.",
    ),
    Column(
        "id",
        "string",
        "text",
        None,
        "The record's `id` as given (a string as is, anything else as JSON); NA when it has none.",
    ),
    Column("reason", "string", "text", None, "Why the record could not be used, e.g. `no id`."),
    Column("raw", "string", "JSON", None, "The whole record as JSON text (keys sorted)."),
)

WIDE = SPACECRAFT.joined(
    "wide",
    "spacecraft, with its configuration, agency and family names joined in",
    "`load_spacecraft(...)`, `load_tables(...).wide()`",
    (
        (CONFIGURATIONS, "config_name", "category"),
        (CONFIGURATIONS, "config_type", None),
        (CONFIGURATIONS, "config_in_use", None),
        (CONFIGURATIONS, "agency_id", None),
        (AGENCIES, "agency_name", "category"),
        (AGENCIES, "agency_abbrev", "category"),
        (AGENCIES, "agency_type", None),
    ),
    Column(
        "families",
        "string",
        "text",
        "spacecraft_config.family[].name",
        "The names of the configuration's families, sorted and joined with `; `.",
    ),
)
FLIGHTS_WIDE = FLIGHTS.joined(
    "flights_wide",
    "flight, with the names of the spacecraft's configuration and agency joined in",
    "`load_flights(...)`, `load_tables(...).flights_wide()`",
    (
        (CONFIGURATIONS, "config_name", "category"),
        (AGENCIES, "agency_name", "category"),
        (AGENCIES, "agency_abbrev", "category"),
        (AGENCIES, "agency_type", "category"),
    ),
)

#: Every table by name, in the order the data dictionary lists them.
TABLES: Mapping[str, Table] = {
    t.name: t
    for t in (
        SPACECRAFT,
        CONFIGURATIONS,
        AGENCIES,
        FAMILIES,
        CONFIG_FAMILIES,
        FLIGHTS,
        REJECTED,
        WIDE,
        FLIGHTS_WIDE,
    )
}
