"""Raw /spacecraft_flights/ records -> the flights table: the dtype contract, values, and the
integrity rules for odd and hostile shapes (the same as the spacecraft table's).

No real flight records exist on these machines: the records are SYNTHETIC, made to the
OpenAPI shapes (SpacecraftFlightNormal / SpacecraftFlightDetailed) by spacedata.synthetic."""

from __future__ import annotations

import copy
import json
import re
import uuid
import warnings
from datetime import timedelta

import pandas as pd
import pytest

from spacedata.durations import parse_duration
from spacedata.errors import DurationWarning, RecordWarning, RejectedRecordWarning
from spacedata.synthetic import REALISTIC_FLIGHTS, flights_for, resample
from spacedata.tidy import FLIGHT_DTYPES, REJECTED_DTYPES, build_tables, check_dtypes
from spacedata.tidy_flights import build_flights, flight_tables
from tests.shapes import setting

NA = pd.NA


@pytest.fixture(scope="module")
def crafts(real_records):
    return resample(real_records, 120, seed=3, flights=REALISTIC_FLIGHTS)


@pytest.fixture(scope="module")
def flights(crafts):
    return flights_for(crafts, seed=3)


def quiet(records):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return flight_tables(records)


def built(records):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = flight_tables(records)
    return tables, caught


@pytest.mark.parametrize("mode", ["normal", "detailed"])
def test_flights_table_honours_its_dtype_contract(crafts, mode):
    records = flights_for(crafts, seed=3, mode=mode)
    assert all(r["response_mode"] == mode for r in records)
    tables = quiet(records)
    frame = tables["flights"]
    assert check_dtypes(frame, FLIGHT_DTYPES) == []
    assert check_dtypes(tables["rejected"], REJECTED_DTYPES) == [] and tables["rejected"].empty
    assert len(frame) == len(records) == sum(c["flights_count"] for c in crafts)
    assert frame["id"].is_unique


def test_empty_input_gives_an_empty_typed_table():
    frame = build_flights([])
    assert frame.empty and check_dtypes(frame, FLIGHT_DTYPES) == []


def test_values_are_read_from_the_nested_records(crafts, flights):
    frame = quiet(flights)["flights"].set_index("id")
    first = flights[0]
    row = frame.loc[first["id"]]
    craft = first["spacecraft"]
    assert row["spacecraft_id"] == craft["id"] and row["spacecraft_name"] == craft["name"]
    assert row["config_id"] == craft["spacecraft_config"]["id"]
    assert row["agency_id"] == craft["spacecraft_config"]["agency"]["id"]
    assert uuid.UUID(row["launch_id"]).version == 4 and row["launch_id"] == first["launch"]["id"]
    assert row["launch_name"] == first["launch"]["name"] and "SYNTHETIC" in row["launch_name"]
    assert row["launch_net"] == pd.Timestamp(first["launch"]["net"])
    assert str(row["launch_net"].tz) == "UTC"
    assert row["launch_provider"] == first["launch"]["launch_service_provider"]["name"]
    assert row["rocket"] == first["launch"]["rocket"]["configuration"]["name"]
    assert row["mission_name"] == first["launch"]["mission"]["name"]
    assert row["orbit"] == first["launch"]["mission"]["orbit"]["name"]
    assert row["launch_status"] == first["launch"]["status"]["name"]
    assert row["destination"] == first["destination"]
    assert row["landing_type"] == first["landing"]["type"]["name"]
    assert row["landing_location"] == first["landing"]["landing_location"]["name"]
    assert row["landing_attempt"] == first["landing"]["attempt"]
    assert row["url"] == first["url"]


def test_durations_and_times_follow_the_policy(flights):
    frame = quiet(flights)["flights"].set_index("id")
    for rec in flights[:50]:
        row = frame.loc[rec["id"]]
        for col in ("duration", "turn_around_time"):
            want = parse_duration(rec[col])
            assert (pd.isna(row[col]) and want is None) or row[col] == pd.Timedelta(want)
            assert (pd.isna(row[col + "_days"]) and want is None) or row[
                col + "_days"
            ] == pytest.approx(want / timedelta(days=1))
        if rec["mission_end"] is not None:
            assert row["mission_end"] - row["launch_net"] == row["duration"]
    ongoing = frame[frame["mission_end"].isna()]
    assert ongoing["duration"].isna().all()  # in space now: no end, no duration yet
    first_flights = frame.groupby("spacecraft_id")["launch_net"].idxmin()
    assert frame.loc[first_flights, "turn_around_time"].isna().all()


def test_flights_join_the_spacecraft_tables(crafts, flights):
    t = build_tables(crafts)
    frame = quiet(flights)["flights"]
    assert set(frame["spacecraft_id"]) <= set(t.spacecraft["id"])
    assert set(frame["config_id"]) <= set(t.configurations["config_id"])
    assert set(frame["agency_id"]) <= set(t.agencies["agency_id"])
    counts = frame["spacecraft_id"].value_counts()
    per_craft = t.spacecraft.set_index("id")["flights_count"]
    assert all(counts.get(i, 0) == n for i, n in per_craft.items())


# --- Odd and hostile shapes: a field of the wrong type is nulled (or coerced), one warning per
# --- field naming the flight ids; the other rows are what they would be without it.

SHAPES = [
    # (set path, value, column, expected, warning, field named in the warning)
    ("launch.net", 12345, "launch_net", NA, RecordWarning, "launch.net"),
    ("launch.net", "yesterday", "launch_net", NA, RecordWarning, "launch.net"),
    ("launch.net", "9999-01-01T00:00:00Z", "launch_net", NA, RecordWarning, "launch.net"),
    ("launch.net", "2023-09-15T17:44:36+02:00", "launch_net",
     pd.Timestamp("2023-09-15T15:44:36Z"), None, None),
    ("launch.net", "2023-09-15", "launch_net", pd.Timestamp("2023-09-15T00:00:00Z"), None, None),
    ("mission_end", None, "mission_end", NA, None, None),
    ("mission_end", ["2023"], "mission_end", NA, RecordWarning, "mission_end"),
    ("duration", 86400, "duration", NA, DurationWarning, "duration"),
    ("duration", "P1Y", "duration", NA, DurationWarning, "duration"),
    ("turn_around_time", "PT1.5H", "turn_around_time", pd.Timedelta(minutes=90), None, None),
    ("landing.success", "true", "landing_success", True, RecordWarning, "landing.success"),
    ("landing.success", None, "landing_success", NA, None, None),
    ("landing.attempt", "maybe", "landing_attempt", NA, RecordWarning, "landing.attempt"),
    ("launch", "not an object", "launch_name", NA, RecordWarning, "launch"),
    ("launch", None, "launch_net", NA, None, None),
    ("spacecraft", [1], "spacecraft_id", NA, RecordWarning, "spacecraft"),
    ("spacecraft.id", "42", "spacecraft_id", 42, RecordWarning, "spacecraft.id"),
    ("spacecraft.id", 1.5, "spacecraft_id", NA, RecordWarning, "spacecraft.id"),
    ("spacecraft.spacecraft_config", "Soyuz", "config_id", NA, RecordWarning,
     "spacecraft.spacecraft_config"),
    ("launch.id", 7, "launch_id", "7", RecordWarning, "launch.id"),
    ("launch.status", "Success", "launch_status", "Success", None, None),
    ("launch.status", {"id": 3}, "launch_status", NA, None, None),
    ("launch.mission", None, "mission_name", NA, None, None),
    ("launch.mission.orbit", 5, "orbit", NA, RecordWarning, "launch.mission.orbit"),
    ("launch.launch_service_provider.name", 5, "launch_provider", "5", RecordWarning,
     "launch.launch_service_provider.name"),
    ("destination", {"name": "ISS"}, "destination", NA, RecordWarning, "destination"),
    ("landing", "none", "landing_type", NA, RecordWarning, "landing"),
]  # fmt: skip


@pytest.mark.parametrize(
    "path, value, column, expected, warning, field",
    SHAPES,
    ids=[f"{s[0]}={s[1]!r}"[:40] for s in SHAPES],
)
def test_odd_field_shape_loads(flights, path, value, column, expected, warning, field):
    records = copy.deepcopy(flights[:30])
    odd = records[7]
    odd["spacecraft"] = copy.deepcopy(odd["spacecraft"])  # flights of one craft share it
    setting(path, value)(odd)
    tables, caught = built(records)
    frame = tables["flights"]
    assert len(frame) == 30 and tables["rejected"].empty
    got = frame.set_index("id").loc[odd["id"], column]
    if expected is NA:
        assert pd.isna(got), got
    else:
        assert got == expected
    if warning is None:
        assert [str(w.message) for w in caught] == []
    else:
        assert {w.category for w in caught} == {warning}
        (message,) = [str(w.message) for w in caught]
        assert f"id {odd['id']}" in message and field in message, message
    plain = quiet(copy.deepcopy(flights[:30]))["flights"]
    others = frame["id"] != odd["id"]
    pd.testing.assert_frame_equal(_plain(frame[others]), _plain(plain[others]))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as text: an odd value adds a category that the other rows do not use."""
    cats = [c for c, t in FLIGHT_DTYPES.items() if t == "category"]
    return frame.astype({c: object for c in cats}).reset_index(drop=True)


REJECTS = [
    (42, "not an object (int)"),
    (None, "not an object (null)"),
    ({"launch": {}}, "no id"),
    ({"id": True}, "id is not an integer: True"),
    ({"id": "abc"}, "id is not an integer: 'abc'"),
]


@pytest.mark.parametrize("odd, reason", REJECTS, ids=[r for _, r in REJECTS])
def test_unusable_flight_is_quarantined_with_its_endpoint(flights, odd, reason):
    received = [*flights[:20], odd, *flights[20:25]]
    tables, caught = built(received)
    assert len(tables["flights"]) + len(tables["rejected"]) == len(received) == 26
    row = tables["rejected"].iloc[0]
    assert row["endpoint"] == "spacecraft_flights" and row["position"] == 20
    assert row["reason"] == reason and json.loads(row["raw"]) == odd
    (message,) = [str(w.message) for w in caught if w.category is RejectedRecordWarning]
    assert message.startswith("1 of 26 spacecraft_flights record(s) could not be used")
    assert tables["flights"]["id"].tolist() == [r["id"] for r in [*flights[:20], *flights[20:25]]]


def test_one_warning_per_field_names_ten_ids_and_the_rest(flights):
    records = copy.deepcopy(flights[:40])
    for r in records[:13]:
        r["launch"]["net"] = "soon"
        r["landing"]["attempt"] = "perhaps"
    tables, caught = built(records)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and {w.category for w in caught} == {RecordWarning}
    for message in messages:
        assert all(f"id {r['id']}:" in message for r in records[:10])
        assert f"id {records[10]['id']}:" not in message and "and 3 more" in message
    assert messages[0].startswith("landing.attempt: 13 record(s) of the wrong type set to null")
    assert messages[1].startswith("launch.net: 13 record(s) of the wrong type set to null")
    assert tables["flights"]["launch_net"].isna().sum() == 13


def test_older_or_partial_shapes_load_with_nulls(flights):
    """Keys a record lacks (an older API, a trimmed record) are null, silently."""
    records = copy.deepcopy(flights[:10])
    for r in records:
        for key in ("destination", "mission_end", "turn_around_time", "landing"):
            r.pop(key, None)
        r["launch"].pop("rocket")
    frame = quiet(records)["flights"]
    assert frame["destination"].isna().all() and frame["rocket"].isna().all()
    assert frame["landing_attempt"].isna().all() and frame["launch_net"].notna().all()


def test_a_generator_of_flights_loads(flights):
    with pytest.warns(RejectedRecordWarning, match=re.escape("#5: not an object (str)")):
        tables = flight_tables(r for r in [*flights[:5], "junk"])
    assert len(tables["flights"]) + len(tables["rejected"]) == 6


@pytest.mark.parametrize(
    "text, expected",
    [
        ("PT427H49M7S", timedelta(hours=427, minutes=49, seconds=7)),
        ("PT100H", timedelta(hours=100)),
        ("PT150M", timedelta(minutes=150)),
        ("P2DT100H", timedelta(days=2, hours=100)),
        ("PT1000000S", timedelta(seconds=1_000_000)),
    ],
)
def test_long_hour_or_minute_fields_convert_instead_of_failing_the_load(
    real_records, flights, text, expected
):
    """Bug: pandas' ISO parser refuses hour/minute fields of 3+ digits ("PT100H"), and the
    fallback only left out 6+ digit fields, so one valid duration raised ValueError out of
    build_tables and failed the whole load. Such durations are valid ISO 8601 and exact."""
    crafts = copy.deepcopy(real_records)
    crafts[4]["time_in_space"] = text
    sc = build_tables(crafts).spacecraft.set_index("id")
    assert sc.loc[crafts[4]["id"], "time_in_space"] == pd.Timedelta(expected)
    records = copy.deepcopy(flights[:5])
    records[2]["duration"] = text
    frame = quiet(records)["flights"].set_index("id")
    assert frame.loc[records[2]["id"], "duration"] == pd.Timedelta(expected)
    assert frame.loc[records[2]["id"], "duration_days"] == expected / timedelta(days=1)
