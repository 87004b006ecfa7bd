"""The data dictionary (spacedata.dictionary): one entry for every column of every table, no
entry for a column that does not exist, dtypes that are the tables' own, LL2 fields that exist
in the LL2 2.3.0 record."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import spacedata
from spacedata import dictionary, schema, tidy
from spacedata.snapshot import bundled_snapshot
from spacedata.synthetic import flights_for, write_synthetic_snapshot

OPENAPI = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "ll2-2.3.0-spacecraft-openapi.yml"
)


def frames_of(tables: spacedata.Tables) -> dict[str, pd.DataFrame]:
    """Every frame a user gets, by its name in the dictionary."""
    return {
        **tables.all_frames(),
        "rejected": tables.rejected,
        "wide": tables.wide(),
        "flights_wide": tables.flights_wide(),
    }


def entries() -> pd.DataFrame:
    return spacedata.data_dictionary()


def assert_described(frames: dict[str, pd.DataFrame]) -> None:
    """Each frame's columns are exactly its entries, in order, with the entries' dtypes."""
    dd = entries()
    assert set(frames) == set(dd["table"]), "a table without entries, or entries without a table"
    for name, frame in frames.items():
        mine = dd[dd["table"] == name]
        assert list(frame.columns) == list(mine["column"]), name
        actual = {c: str(t) for c, t in frame.dtypes.items()}
        assert actual == dict(zip(mine["column"], mine["dtype"], strict=True)), name


def test_every_column_of_the_bundled_tables_has_an_entry_and_no_more():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = spacedata.load_tables("bundled")
    assert len(tables.spacecraft) == 55 and len(tables.flights) == 38
    assert_described(frames_of(tables))


def test_every_column_of_a_snapshot_with_flights_has_an_entry(tmp_path):
    write_synthetic_snapshot(30, tmp_path / "snap", flights=True)
    tables = spacedata.load_tables(tmp_path / "snap")
    assert len(tables.flights) > 0 and len(tables.flights_wide()) == len(tables.flights)
    assert_described(frames_of(tables))


def test_rejected_records_are_described_by_their_entries():
    crafts = bundled_snapshot().records()
    parts = {
        "spacecraft": tidy.EndpointData([*crafts, "not a record"]),
        "spacecraft_flights": tidy.EndpointData([*flights_for(crafts, 0), {"id": None}]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = tidy.assemble(parts)
    assert set(tables.rejected["endpoint"]) == {"spacecraft", "spacecraft_flights"}
    assert_described(frames_of(tables))


def test_the_dtypes_are_the_declarations_not_a_copy():
    dd = entries()
    contracts = {
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
    assert list(contracts) == list(schema.TABLES)
    for name, contract in contracts.items():
        assert contract == schema.TABLES[name].dtypes == dictionary.CONTRACTS[name]
        mine = dd[dd["table"] == name]
        assert dict(zip(mine["column"], mine["dtype"], strict=True)) == contract


def test_each_table_declares_each_column_once_and_its_key():
    for table in schema.TABLES.values():
        names = [c.name for c in table.columns]
        assert len(names) == len(set(names)), table.name
        assert set(table.key) <= set(names), table.name


def test_a_joined_column_says_where_it_comes_from():
    wide = schema.TABLES["flights_wide"]
    agency = wide.column("agency_abbrev")
    assert agency.dtype == "category" and schema.AGENCIES.column("agency_abbrev").dtype == "string"
    assert wide.endpoint_of(agency) == "spacecraft" and wide.endpoint == "spacecraft_flights"
    assert agency.meaning.endswith("Joined in from `agencies`.")


def test_the_issue_example_time_docked():
    dd = spacedata.data_dictionary("spacecraft").set_index("column")
    row = dd.loc["time_docked"]
    assert row["dtype"] == "timedelta64[ns]"
    assert row["ll2_field"] == "time_docked" and row["endpoint"] == "spacecraft"
    assert row["unit"] == "duration"
    assert "docked" in row["meaning"] and "station" in row["meaning"]
    assert dd.loc["time_docked_days", "unit"] == "days"
    assert dd.loc["flights_count", "unit"] == "count"


def test_every_entry_is_filled_in():
    dd = entries()
    for col in ("table", "column", "dtype", "unit", "meaning"):
        assert dd[col].notna().all() and (dd[col].str.strip() != "").all(), col
    assert dd["meaning"].str.endswith(".").all()
    read = dd[dd["ll2_field"].notna()]
    assert read["endpoint"].isin(list(dictionary.RECORD_TYPES)).all()
    # Only the rejected table's columns and where a spacecraft row came from are not read
    # from a field of LL2.
    unread = dd[dd["ll2_field"].isna()]
    assert set(unread.loc[unread["table"] != "rejected", "column"]) == {"seen_in"}
    assert set(unread["table"]) == {"rejected", "spacecraft", "wide"}
    units = set(dd.loc[dd["dtype"] == "timedelta64[ns]", "unit"])
    assert units == {"duration"}
    assert set(dd.loc[dd["dtype"].str.startswith("datetime64[ns, UTC]"), "unit"]) == {"UTC"}


def test_one_table_and_bad_table_names():
    flights = spacedata.data_dictionary("flights")
    assert set(flights["table"]) == {"flights"}
    assert list(flights["column"]) == list(tidy.FLIGHT_DTYPES)
    assert all(str(t) == "string" for t in flights.dtypes)
    with pytest.raises(ValueError, match="flight"):
        spacedata.data_dictionary("flight")
    with pytest.raises(ValueError, match="spacecraft"):
        dictionary.to_markdown("nope")


def test_the_markdown_lists_every_column_of_every_table():
    text = dictionary.to_markdown()
    for table in dictionary.CONTRACTS:
        assert f"## `{table}`" in text
    for e in dictionary.COLUMNS:
        assert f"| `{e.column}` | `{e.dtype}` |" in text
    assert (
        "| `time_docked` | `timedelta64[ns]` | duration | `time_docked` | "
        "Total time the spacecraft has spent docked to space stations. |" in text
    )
    only = dictionary.to_markdown("rejected", heading_level=3)
    assert only.startswith("### `rejected`") and "## `spacecraft`" not in only
    # One markdown row per entry: no cell may break the table.
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(dictionary.COLUMNS)
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 6 for line in rows)
    assert dictionary._cell("Soyuz | Soyuz 6") == "Soyuz \\| Soyuz 6"


# --- The LL2 fields named exist in the LL2 2.3.0 OpenAPI record. ----------------------------


def _resolve(schema: dict, root: dict) -> dict:
    """A schema with ``$ref`` and single ``allOf`` wrappers followed."""
    while True:
        if "$ref" in schema:
            schema = root["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema


def _field_exists(path: str, schema: dict, root: dict) -> bool:
    for step in path.split("."):
        schema = _resolve(schema, root)
        is_list = step.endswith("[]")
        step = step.removesuffix("[]")
        props = schema.get("properties", {})
        if step not in props:
            return False
        schema = _resolve(props[step], root)
        if is_list:
            if schema.get("type") != "array":
                return False
            schema = schema["items"]
    return True


@pytest.fixture(scope="module")
def openapi() -> dict:
    yaml = pytest.importorskip("yaml")
    if not OPENAPI.exists():
        pytest.skip(f"no LL2 OpenAPI reference at {OPENAPI}")
    return yaml.safe_load(OPENAPI.read_text())


def test_every_ll2_field_is_in_the_ll2_record(openapi):
    dd = entries().dropna(subset=["ll2_field"])
    assert len(dd) > 100
    missing = []
    for row in dd.itertuples():
        record = {"$ref": f"#/components/schemas/{dictionary.RECORD_TYPES[row.endpoint]}"}
        if not _field_exists(row.ll2_field, record, openapi):
            missing.append(f"{row.table}.{row.column}: {row.endpoint} {row.ll2_field}")
    assert missing == []
    # The check itself can fail.
    flight = {"$ref": "#/components/schemas/SpacecraftFlightNormal"}
    assert not _field_exists("launch.rocket.name", flight, openapi)
    assert not _field_exists("landing[].type", flight, openapi)
    assert _field_exists("spacecraft.spacecraft_config.family[].name", flight, openapi)
