"""Raw LL2 records -> tidy pandas tables with a declared dtype contract. No I/O.

Tables (keys in brackets), from ``/spacecraft/``:

* ``spacecraft`` [id]: one row per spacecraft; ``config_id`` links to configurations.
* ``configurations`` [config_id]: spacecraft configurations; ``agency_id`` links to agencies.
* ``agencies`` [agency_id]: the agencies that operate configurations.
* ``families`` [family_id]: configuration families.
* ``config_families`` [config_id, family_id]: the many-to-many link.

from ``/spacecraft_flights/`` (built by :mod:`spacedata.tidy_flights`):

* ``flights`` [id]: one row per spacecraft flight; ``spacecraft_id`` links to spacecraft,
  ``config_id`` to configurations, ``agency_id`` to agencies.

and beside them:

* ``rejected`` [endpoint, position]: records that could not be used at all, kept aside with the
  endpoint they came from, the reason and their raw JSON text. For each endpoint, the rows
  loaded plus the rows rejected are always the number of records given.

:func:`flatten` joins the data tables into one wide frame, one row per spacecraft;
:meth:`Tables.flights_wide` does the same for flights. :func:`assemble` builds every table from
the records of each endpoint (:mod:`spacedata.endpoints` names the tidy function of each).
Durations are ``timedelta64[ns]`` (see :mod:`spacedata.durations` for the policy on bad values);
``*_days`` columns hold the same durations as float days for charts.

Every record that can be keyed is loaded, whatever shape it comes in (older API versions,
hostile values); one bad record never fails a load:

* A record that is not an object, or has no usable ``id`` (missing, null, a boolean, a float, a
  non-digit string, an object, beyond int64), is quarantined in ``rejected``; one
  :class:`~spacedata.errors.RejectedRecordWarning` says how many and why. A digit-string id
  (``"42"``) is used as the integer (unless that integer is already another record's id).
* Older shapes map to their value: an ``{id, name}`` object given as its plain name (``status``,
  ``spacecraft_config.type``, ``agency.type`` as LL2 2.2.0 sends it, ``manufacturer``); keys
  that older list records lack (2.2.0 has no ``time_in_space`` / ``flights_count``) become null.
* Values that convert without loss are coerced: ASCII digit strings to integers, ``"true"`` /
  ``"false"`` and ``1`` / ``0`` to booleans, numbers to text, an ``image`` given as a string to
  ``image_url``. Anything else of the wrong type becomes null. Both are reported by one
  :class:`~spacedata.errors.RecordWarning` per field, naming the spacecraft ids (for
  configuration, agency and family fields: the record whose copy of the configuration was used).

Each column's types are checked in one pass; values are converted one by one only in a column
that holds an unexpected type, so well-formed records cost what they always did.

This module holds the spacecraft tables (:func:`build_tables`, :func:`spacecraft_tables`),
:class:`Tables`, :func:`assemble`, :func:`flatten` and the consistency checks
(:func:`flight_count_mismatches`). The machinery that applies the rules above (value
converters, typed column builders, screening, rejected rows) is shared with
:mod:`spacedata.tidy_flights` and lives in :mod:`spacedata._clean`.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from . import schema
from ._clean import (
    _DAY,
    _NULL,
    _Cleaner,
    _columns,
    _empty,
    _frame,
    _frame_of,
    _listing,
    _not_spacecraft,
    _rejected_frame,
    _rows,
    _screen,
    _strings,
    _to_bool,
    _to_date,
    _to_int,
    _to_list,
    _to_name,
    _to_obj,
    _to_str,
    _to_url,
    _warn_rejected,
)
from .durations import to_timedelta64 as durations
from .endpoints import ENDPOINTS, SPACECRAFT, SPACECRAFT_FLIGHTS
from .errors import ConsistencyWarning, RecordWarning
from .provenance import Provenance

__all__ = [
    "AGENCY_DTYPES",
    "CONFIG_FAMILY_DTYPES",
    "CONFIGURATION_DTYPES",
    "FAMILY_DTYPES",
    "FLIGHT_DTYPES",
    "FLIGHTS_WIDE_DTYPES",
    "REJECTED_DTYPES",
    "SEEN_IN",
    "SPACECRAFT_DTYPES",
    "WIDE_DTYPES",
    "EndpointData",
    "RecordWarning",
    "Tables",
    "assemble",
    "build_tables",
    "check_dtypes",
    "flatten",
    "flight_count_mismatches",
    "spacecraft_tables",
]

log = logging.getLogger("spacedata")

DURATIONS = ("time_in_space", "time_docked", "fastest_turnaround")

# The dtype contract of each table, column by column, from its declaration in
# :mod:`spacedata.schema` (name, dtype, unit, LL2 field, meaning: declared once).
SPACECRAFT_DTYPES = schema.SPACECRAFT.dtypes
CONFIGURATION_DTYPES = schema.CONFIGURATIONS.dtypes
AGENCY_DTYPES = schema.AGENCIES.dtypes
FAMILY_DTYPES = schema.FAMILIES.dtypes
CONFIG_FAMILY_DTYPES = schema.CONFIG_FAMILIES.dtypes
#: One row per spacecraft flight (``/spacecraft_flights/``, see :mod:`spacedata.tidy_flights`).
FLIGHT_DTYPES = schema.FLIGHTS.dtypes
#: Records quarantined (see :data:`spacedata.schema.REJECTED`).
REJECTED_DTYPES = schema.REJECTED.dtypes
#: The wide frame of :func:`flatten` / :func:`spacedata.load_spacecraft`.
WIDE_DTYPES = schema.WIDE.dtypes
#: :meth:`Tables.flights_wide` / :func:`spacedata.load_flights`.
FLIGHTS_WIDE_DTYPES = schema.FLIGHTS_WIDE.dtypes
#: ``spacecraft.seen_in``: rows the spacecraft endpoint sent, and rows known only from the
#: spacecraft record each flight embeds (a partial sample, a filtered sync).
SEEN_IN = ("spacecraft", "spacecraft_flights")


_DATA_TABLES = ("spacecraft", "configurations", "agencies", "families", "config_families")


def _no_rejections() -> pd.DataFrame:
    return _rejected_frame([])


def _no_flights() -> pd.DataFrame:
    return _empty(FLIGHT_DTYPES)


@dataclasses.dataclass(frozen=True)
class Tables:
    """The normalised tables of one load, with their provenance.

    ``rejected`` sits beside the five spacecraft tables and ``flights``: the records of any
    endpoint that could not be used at all (``REJECTED_DTYPES``; empty when every record
    loaded). ``provenance`` describes the spacecraft (and is in the ``.attrs`` of the spacecraft
    tables and ``rejected``); ``sources`` holds each endpoint's, and the ``flights`` frame's
    ``.attrs`` describe the flights endpoint. ``notes`` are sentences for people: endpoints a
    source did not hold, and what the consistency checks found.
    """

    spacecraft: pd.DataFrame
    configurations: pd.DataFrame
    agencies: pd.DataFrame
    families: pd.DataFrame
    config_families: pd.DataFrame
    provenance: Provenance | None = None
    rejected: pd.DataFrame = dataclasses.field(default_factory=_no_rejections)
    flights: pd.DataFrame = dataclasses.field(default_factory=_no_flights)
    sources: Mapping[str, Provenance] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """A few lines: each table's name and rows, then where the data came from (the
        dataclass repr would print every frame in full)."""
        frames = {**self.all_frames(), "rejected": self.rejected}
        width = max(map(len, frames))
        lines = [f"<Tables: {len(frames)} tables>"]
        lines += [f"  {name:<{width}}  {len(f):>9,} rows" for name, f in frames.items()]
        prov = self.provenance
        lines.append(f"  {prov.describe()}" if prov is not None else "  Source unknown.")
        fprov = self.sources.get("spacecraft_flights")
        if fprov is not None and (fprov.records or fprov.count is not None):
            lines.append(f"  Flights: {fprov.label}, {fprov.dated}; {fprov.completeness}.")
        elif self.flights.attrs.get("note"):
            lines.append("  Flights: none in this source (see .notes).")
        return "\n".join(lines)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The five spacecraft tables by name (``flights`` and ``rejected`` are not among
        them; :meth:`all_frames` adds ``flights``)."""
        return {name: getattr(self, name) for name in _DATA_TABLES}

    def all_frames(self) -> dict[str, pd.DataFrame]:
        """Every data table by name: the five spacecraft tables and ``flights``."""
        return {**self.frames(), "flights": self.flights}

    def wide(self) -> pd.DataFrame:
        """One row per spacecraft with configuration, agency and family names joined in."""
        return flatten(self)

    def flights_wide(self) -> pd.DataFrame:
        """One row per flight with the spacecraft's configuration and agency names joined in
        (``FLIGHTS_WIDE_DTYPES``; NA where the spacecraft tables lack the configuration)."""
        return flatten_flights(self)

    def provenance_for(self, endpoint: str) -> Provenance | None:
        """The provenance of ``endpoint``'s tables (``spacecraft``, ``spacecraft_flights``)."""
        if endpoint in self.sources:
            return self.sources[endpoint]
        return self.provenance if endpoint == "spacecraft" else None


def build_tables(records: Iterable[object], provenance: Provenance | None = None) -> Tables:
    """Build the normalised tables from raw ``/spacecraft/`` records (normal or detailed mode,
    LL2 2.3.0 or older shapes).

    Never raises for a bad record: one that cannot be keyed goes to ``Tables.rejected``, a field
    of the wrong type becomes null or is coerced, a bad duration becomes NaT, each reported by
    one warning (see the module docstring). Missing optional keys become nulls silently.
    ``records`` are expected unique by id (:func:`spacedata._pages.unique_records`); when copies
    of one configuration differ, the one in the last record that carries it is used.
    """
    given = records if isinstance(records, list) else list(records)
    c = _Cleaner()
    recs, ids, rejected = _not_spacecraft(given, *_screen(given, c))
    c.ids = ids

    col = _columns(recs, _SPACECRAFT_KEYS)
    cfgs = c.objects(col["spacecraft_config"], "spacecraft_config")
    cfg_ids, cfg_id_array = c.ints(
        [x.get("id") if x is not None else None for x in cfgs], "spacecraft_config.id"
    )
    data: dict[str, object] = {
        "id": pd.array(ids, dtype="Int64"),
        "name": _strings(c.strings(col["name"], "name")),
        "serial_number": _strings(c.strings(col["serial_number"], "serial_number")),
        "status": pd.Categorical(c.lookup(col["status"], "name", _to_name, "status")),
        "in_space": c.bools(col["in_space"], "in_space"),
        "is_placeholder": c.bools(col["is_placeholder"], "is_placeholder"),
        "flights_count": c.ints(col["flights_count"], "flights_count")[1],
        "mission_ends_count": c.ints(col["mission_ends_count"], "mission_ends_count")[1],
        "config_id": cfg_id_array,
        "description": _strings(c.strings(col["description"], "description")),
        "url": _strings(c.strings(col["url"], "url")),
        "image_url": _strings(c.lookup(col["image"], "image_url", _to_url, "image")),
        "seen_in": pd.Categorical([SEEN_IN[0]] * len(ids), categories=SEEN_IN),
    }
    for name in DURATIONS:
        data[name] = durations(col[name], ids, name)
        data[name + "_days"] = data[name] / _DAY
    spacecraft = _frame(data, SPACECRAFT_DTYPES)

    configs, agencies, families, links = _config_rows(cfgs, cfg_ids, ids, c)
    c.warn()
    if rejected:
        _warn_rejected(rejected, len(given), "spacecraft")
    tables = Tables(
        spacecraft=spacecraft,
        configurations=_rows(configs.values(), CONFIGURATION_DTYPES),
        agencies=_rows(agencies.values(), AGENCY_DTYPES),
        families=_rows(families.values(), FAMILY_DTYPES),
        config_families=_rows(
            ({"config_id": c, "family_id": f} for c, f in links), CONFIG_FAMILY_DTYPES
        ),
        provenance=provenance,
        rejected=_rejected_frame(rejected, "spacecraft"),
    )
    if provenance is not None:
        for frame in (*tables.frames().values(), tables.rejected):
            frame.attrs.update(provenance.as_attrs())
    return tables


def spacecraft_tables(
    records: Iterable[object], provenance: Provenance | None = None
) -> dict[str, pd.DataFrame]:
    """The tidy function of ``/spacecraft/`` (:mod:`spacedata.endpoints`): its five tables and
    ``rejected``, by name. See :func:`build_tables`."""
    tables = build_tables(records, provenance)
    return {**tables.frames(), "rejected": tables.rejected}


_CFG, _AGENCY, _FAMILY = (
    "spacecraft_config.",
    "spacecraft_config.agency.",
    "spacecraft_config.family.",
)


def _config_rows(
    cfgs: list, cfg_ids: list, ids: list[int], c: _Cleaner
) -> tuple[dict, dict, dict, dict]:
    """Rows of the configuration, agency, family and link tables, keyed by id. One pass over the
    distinct configurations (the last copy of each, in record order); later rows replace
    earlier ones with the same key."""
    last = dict(zip(cfg_ids, range(len(cfg_ids)), strict=True))
    last.pop(None, None)
    configs: dict[int, dict] = {}
    agencies: dict[int, dict] = {}
    families: dict[int, dict] = {}
    links: dict[tuple[int, int], None] = {}
    at = c.at
    for i in sorted(last.values()):
        cfg, cid, rid = cfgs[i], cfg_ids[i], ids[i]
        agency = at(cfg, "agency", _to_obj, _CFG + "agency", rid) or {}
        aid = at(agency, "id", _to_int, _AGENCY + "id", rid)
        configs[cid] = {
            "config_id": cid,
            "config_name": at(cfg, "name", _to_str, _CFG + "name", rid),
            "config_type": at(cfg, "type", _to_name, _CFG + "type", rid),
            "config_in_use": at(cfg, "in_use", _to_bool, _CFG + "in_use", rid),
            "agency_id": aid,
        }
        if aid is not None:
            agencies[aid] = {
                "agency_id": aid,
                "agency_name": at(agency, "name", _to_str, _AGENCY + "name", rid),
                "agency_abbrev": at(agency, "abbrev", _to_str, _AGENCY + "abbrev", rid),
                "agency_type": at(agency, "type", _to_name, _AGENCY + "type", rid),
            }
        for raw in at(cfg, "family", _to_list, _CFG + "family", rid) or ():
            fam = c.one(_to_obj, raw, _CFG + "family", rid)
            if fam is None:
                continue
            fid = at(fam, "id", _to_int, _FAMILY + "id", rid)
            if fid is None:
                if fam.get("id") is None:  # a family that cannot be keyed is left out: say so
                    c.note(_FAMILY + "id", rid, fam, None, _NULL)
                continue
            parent = at(fam, "parent", _to_obj, _FAMILY + "parent", rid) or {}
            links[(cid, fid)] = None
            families[fid] = {
                "family_id": fid,
                "family_name": at(fam, "name", _to_str, _FAMILY + "name", rid),
                "family_description": at(fam, "description", _to_str, _FAMILY + "description", rid),
                "manufacturer": at(fam, "manufacturer", _to_name, _FAMILY + "manufacturer", rid),
                "parent_family_id": at(parent, "id", _to_int, _FAMILY + "parent.id", rid),
                "maiden_flight": at(fam, "maiden_flight", _to_date, _FAMILY + "maiden_flight", rid),
            }
    return configs, agencies, families, links


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


def flatten_flights(tables: Tables) -> pd.DataFrame:
    """Flights with configuration and agency names joined in (``FLIGHTS_WIDE_DTYPES``)."""
    names = tables.configurations[["config_id", "config_name"]]
    wide = tables.flights.merge(names, on="config_id", how="left").merge(
        tables.agencies, on="agency_id", how="left"
    )
    wide = _frame({c: wide[c] for c in FLIGHTS_WIDE_DTYPES}, FLIGHTS_WIDE_DTYPES)
    wide.attrs.update(tables.flights.attrs)
    return wide


@dataclasses.dataclass(frozen=True)
class EndpointData:
    """What a source holds of one endpoint, for :func:`assemble`.

    ``records`` is None when the source does not hold the endpoint at all (then its tables are
    empty and typed, and ``note`` says why); ``params`` are the query of the sync (filters make
    it a subset, which the consistency checks need to know).
    """

    records: list | None
    provenance: Provenance | None = None
    params: Mapping[str, Any] | None = None
    note: str | None = None


def assemble(parts: Mapping[str, EndpointData]) -> Tables:
    """Every table of every declared endpoint (:mod:`spacedata.endpoints`), from the records
    each endpoint gave.

    Each endpoint's tidy function builds its tables; their rejected records are gathered in
    ``rejected`` (with the ``endpoint`` column). An endpoint missing from ``parts`` or without
    records gives empty typed tables and a note. When both endpoints are there and the flights
    are complete and unfiltered, each spacecraft's ``flights_count`` is compared with the flights
    listed for it; disagreements are reported (one :class:`ConsistencyWarning` and a note),
    never corrected. Never raises for bad records.
    """
    frames: dict[str, pd.DataFrame] = {}
    rejected: list[pd.DataFrame] = []
    sources: dict[str, Provenance] = {}
    notes: list[str] = []
    for name, ep in ENDPOINTS.items():
        part = parts.get(name) or EndpointData(None)
        built = ep.tidy_function()([] if part.records is None else part.records, part.provenance)
        extra = {"endpoint": name}
        if part.records is None:
            note = part.note or f"No {ep.label} in this source: its tables are empty."
            notes.append(note)
            extra["note"] = note
        for table in ep.tables:
            frames[table] = built[table]
            frames[table].attrs.update(extra)
        if part.provenance is not None:
            sources[name] = part.provenance
        rejected.append(built["rejected"])
    flights = parts.get(SPACECRAFT_FLIGHTS.name)
    added = _add_crafts_from_flights(frames, flights.records if flights else None)
    if added:
        note = (
            f"{added} spacecraft are known only from their flights (seen_in = "
            "'spacecraft_flights'): each row is the spacecraft record its newest flight embeds."
        )
        crafts = parts.get(SPACECRAFT.name)
        if crafts is None or crafts.records is None:  # the note said the tables are empty
            gone = frames["spacecraft"].attrs.pop("note", None)
            notes = [n for n in notes if n != gone]
            note = f"This source holds no {SPACECRAFT.label} pages; {note}"
            for table in SPACECRAFT.tables:
                frames[table].attrs["note"] = note
        notes.append(note)
    provenance = sources.get("spacecraft")
    rejected_frame = _frame_of(pd.concat(rejected, ignore_index=True), REJECTED_DTYPES)
    if provenance is not None:
        rejected_frame.attrs.update(provenance.as_attrs())
    notes += _consistency(frames, parts)
    return Tables(
        **{n: frames[n] for n in _DATA_TABLES},
        provenance=provenance,
        rejected=rejected_frame,
        flights=frames["flights"],
        sources=sources,
        notes=tuple(notes),
    )


_CONTRACTS = {
    "spacecraft": SPACECRAFT_DTYPES,
    "configurations": CONFIGURATION_DTYPES,
    "agencies": AGENCY_DTYPES,
    "families": FAMILY_DTYPES,
    "config_families": CONFIG_FAMILY_DTYPES,
}


def _add_crafts_from_flights(frames: dict[str, pd.DataFrame], flights: list | None) -> int:
    """Add to the spacecraft tables in ``frames`` the spacecraft that flights carry but the
    spacecraft endpoint did not send, each from the record embedded in its newest flight (by
    ``launch.last_updated``, then position); ``seen_in`` says so. A row the spacecraft
    endpoint sent is never replaced, nor a configuration, agency or family it gave. Returns how
    many spacecraft were added."""
    held = set(frames["spacecraft"]["id"].dropna().tolist())
    newest: dict[int, tuple[tuple[str, int], dict]] = {}
    for pos, flight in enumerate(flights or ()):
        craft = flight.get("spacecraft") if type(flight) is dict else None
        rid = craft.get("id") if type(craft) is dict else None
        if type(rid) is not int or rid in held:
            continue
        launch = flight.get("launch")
        stamp = launch.get("last_updated") if type(launch) is dict else None
        key = (stamp if type(stamp) is str else "", pos)
        if rid not in newest or key >= newest[rid][0]:
            newest[rid] = (key, craft)
    if not newest:
        return 0
    extra = build_tables([craft for _, craft in newest.values()])
    extra.spacecraft["seen_in"] = pd.Categorical(
        [SEEN_IN[1]] * len(extra.spacecraft), categories=SEEN_IN
    )
    for table, contract in _CONTRACTS.items():
        old, new = frames[table], getattr(extra, table)
        keys = list(contract)[:2] if table == "config_families" else [next(iter(contract))]
        if table != "spacecraft":  # what the spacecraft endpoint gave stays as it was
            seen = old.set_index(keys).index
            new = new[~new.set_index(keys).index.isin(seen)]
        if new.empty:
            continue
        merged = _frame_of(pd.concat([old, new], ignore_index=True), contract)
        if table != "spacecraft" and len(keys) == 1:
            merged = merged.sort_values(keys, ignore_index=True)
        merged.attrs = dict(old.attrs)
        frames[table] = merged
    return len(newest)


def flight_count_mismatches(spacecraft: pd.DataFrame, flights: pd.DataFrame) -> pd.DataFrame:
    """Spacecraft whose ``flights_count`` differs from the number of flights ``flights`` lists
    for them: columns ``id``, ``name``, ``flights_count``, ``flights_listed`` (Int64). Spacecraft
    without a ``flights_count`` are not compared. Meaningful only when ``flights`` holds every
    flight (complete and unfiltered)."""
    listed = flights["spacecraft_id"].value_counts()
    known = spacecraft.loc[spacecraft["flights_count"].notna(), ["id", "name", "flights_count"]]
    n = known["id"].map(listed).fillna(0).astype("Int64")
    out = known.assign(flights_listed=n)
    out = out[(out["flights_listed"] != out["flights_count"]).fillna(False)]
    return out.reset_index(drop=True)


def _consistency(frames: dict[str, pd.DataFrame], parts: Mapping[str, EndpointData]) -> list[str]:
    """Check ``flights_count`` against the flights listed, when the API allows it."""
    crafts, flights = parts.get("spacecraft"), parts.get("spacecraft_flights")
    if crafts is None or crafts.records is None or flights is None or flights.records is None:
        return []
    what = "flights_count against the flights listed"
    prov = flights.provenance
    if prov is None or not prov.complete:
        return [f"Not checked: {what} (the spacecraft flights are incomplete)."]
    if SPACECRAFT_FLIGHTS.filtered(flights.params):
        return [f"Not checked: {what} (the spacecraft flights were filtered)."]
    sc, fl = frames["spacecraft"], frames["flights"]
    notes = []
    bad = flight_count_mismatches(sc, fl)
    compared = int(sc["flights_count"].notna().sum())
    if len(bad):
        shown = [
            f"id {r.id}: flights_count {r.flights_count}, {r.flights_listed} listed"
            for r in bad.head(5).itertuples()
        ]
        message = (
            f"flights_count disagrees with the flights listed for {len(bad)} of {compared} "
            f"spacecraft ({_listing(shown, len(bad), '; ')}). Both are kept as LL2 sent them; "
            "see spacedata.tidy.flight_count_mismatches."
        )
        _mismatch(notes, message)
    else:
        notes.append(f"Checked: {what} agree for all {compared} spacecraft with a count.")
    sc_complete = crafts.provenance is not None and crafts.provenance.complete
    if sc_complete and not SPACECRAFT.filtered(crafts.params):
        sent = sc.loc[sc["seen_in"] == SEEN_IN[0], "id"]
        orphans = fl.loc[fl["spacecraft_id"].notna() & ~fl["spacecraft_id"].isin(sent)]
        if len(orphans):
            ids = sorted(set(orphans["spacecraft_id"].astype(int)))
            message = (
                f"{len(orphans)} flight(s) name spacecraft that the spacecraft table does not "
                f"hold (spacecraft id {_listing([str(i) for i in ids[:10]], len(ids))}). Both "
                "are kept as LL2 sent them."
            )
            _mismatch(notes, message)
    return notes


def _mismatch(notes: list[str], message: str) -> None:
    """Report a consistency mismatch: a note for people, a log line and a ConsistencyWarning
    (at the caller of the check's caller)."""
    notes.append("Mismatch: " + message)
    log.warning(message)
    warnings.warn(message, ConsistencyWarning, stacklevel=4)


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


_SPACECRAFT_KEYS = (
    "spacecraft_config",
    "name",
    "serial_number",
    "status",
    "in_space",
    "is_placeholder",
    "flights_count",
    "mission_ends_count",
    "description",
    "url",
    "image",
    *DURATIONS,
)
