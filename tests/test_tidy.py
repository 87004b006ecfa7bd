"""Raw records -> tidy tables: the dtype contract, durations policy, bad records."""

from __future__ import annotations

import copy
from datetime import timedelta

import pandas as pd
import pytest

from spacedata import durations
from spacedata.durations import InvalidDuration, parse_duration
from spacedata.errors import DurationWarning, RejectedRecordWarning
from spacedata.synthetic import resample
from spacedata.tidy import (
    AGENCY_DTYPES,
    CONFIG_FAMILY_DTYPES,
    CONFIGURATION_DTYPES,
    FAMILY_DTYPES,
    REJECTED_DTYPES,
    SPACECRAFT_DTYPES,
    WIDE_DTYPES,
    RecordWarning,
    build_tables,
    check_dtypes,
)

CONTRACTS = {
    "spacecraft": SPACECRAFT_DTYPES,
    "configurations": CONFIGURATION_DTYPES,
    "agencies": AGENCY_DTYPES,
    "families": FAMILY_DTYPES,
    "config_families": CONFIG_FAMILY_DTYPES,
}


@pytest.mark.parametrize("n", [20, 3000])
def test_every_table_honours_its_dtype_contract(real_records, n):
    records = real_records if n == 20 else resample(real_records, n)
    tables = build_tables(records)
    for name, frame in tables.frames().items():
        assert check_dtypes(frame, CONTRACTS[name]) == [], name
    assert check_dtypes(tables.wide(), WIDE_DTYPES) == []
    assert len(tables.spacecraft) == len(tables.wide()) == n


def test_real_sample_normalises_into_related_tables(real_records):
    t = build_tables(real_records)
    assert t.spacecraft["id"].is_unique and len(t.spacecraft) == 20
    assert set(t.agencies["agency_abbrev"]) == {"RFSA", "NASA", "SpX"}
    assert t.configurations["config_id"].is_unique
    assert set(t.spacecraft["config_id"]) <= set(t.configurations["config_id"])
    assert set(t.families["family_name"]) == {"Soyuz", "Progress", "Starship"}
    wide = t.wide().set_index("id")
    ship = wide.loc[594]
    assert ship["config_type"] == "Reuseable Upper Stage"  # spelled as the API spells it
    assert ship["agency_abbrev"] == "SpX" and ship["families"] == "Starship"
    assert pd.isna(wide.loc[528, "families"])  # Vostok has no family
    assert wide.loc[201, "time_in_space"] == pd.Timedelta("4 days 22:42:47")
    assert wide.loc[528, "time_in_space"] == pd.Timedelta(hours=1, minutes=46)
    assert wide.loc[201, "time_docked"] == pd.Timedelta(0)
    assert wide.loc[201, "time_in_space_days"] == pytest.approx(
        4 + (22 * 3600 + 42 * 60 + 47) / 86400
    )
    assert "\t" in wide.loc[201, "description"]  # text kept as sent


@pytest.mark.parametrize(
    "text, expected",
    [
        ("P4DT22H42M47S", timedelta(days=4, hours=22, minutes=42, seconds=47)),
        ("PT1H46M", timedelta(hours=1, minutes=46)),
        ("P0D", timedelta(0)),
        ("PT3H6M", timedelta(hours=3, minutes=6)),
        ("P1W", timedelta(weeks=1)),
        ("PT1.5H", timedelta(hours=1, minutes=30)),  # pandas would say 5 h 0 min 1 s
        ("PT0.25S", timedelta(milliseconds=250)),
        (None, None),
    ],
)
def test_durations_convert_exactly(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        *("P1Y2M", "P2M", "-P1D", "P", "PT", "4 days", "", "P1DT"),
        *("P99999999D", "P106752D", "P9999999999D", "PT99999999999H", "P99999999W"),
        *(3600, 1.5, {"days": 1}),
    ],
)
def test_calendar_negative_malformed_and_out_of_range_durations_are_refused(text):
    with pytest.raises(InvalidDuration):  # never OverflowError
        parse_duration(text)


def test_longest_duration_that_fits_converts(real_records):
    from spacedata.durations import MAX_DURATION, to_timedelta64

    assert parse_duration("P106751D") == timedelta(days=106751) <= MAX_DURATION
    assert pd.Timedelta(MAX_DURATION) <= pd.Timedelta.max
    got = to_timedelta64(["P106751D", "PT1000000S"], [1, 2], "t")
    assert list(got) == [pd.Timedelta(days=106751), pd.Timedelta(seconds=1_000_000)]


def test_out_of_range_durations_in_a_column_become_nat_not_overflow():
    from spacedata.durations import to_timedelta64

    values = ["P1D", "P99999999D", "PT99999999999H", "P2D", 86400, None, "PT1000000S"]
    with pytest.warns(DurationWarning) as caught:
        got = to_timedelta64(values, [10, 11, 12, 13, 14, 15, 16], "time_in_space")
    assert len(caught) == 1
    message = str(caught[0].message)
    assert all(f"id {i}:" in message for i in (11, 12, 14))
    assert "id 10:" not in message and "out of timedelta64[ns] range" in message
    assert "not a string (int)" in message
    want = [pd.Timedelta(days=1), None, None, pd.Timedelta(days=2), None, None]
    assert [None if pd.isna(g) else pd.Timedelta(g) for g in got[:6]] == want
    assert got[6] == pd.Timedelta(seconds=1_000_000)


def test_bad_durations_become_nat_with_a_warning_naming_ids(real_records):
    records = copy.deepcopy(real_records)
    records[0]["time_in_space"] = "P1Y2M"
    records[1]["time_docked"] = "garbage"
    records[2]["fastest_turnaround"] = "-P3D"
    with pytest.warns(DurationWarning) as caught:
        t = build_tables(records)
    text = " ".join(str(w.message) for w in caught)
    for rec, field in (
        (records[0], "time_in_space"),
        (records[1], "time_docked"),
        (records[2], "fastest_turnaround"),
    ):
        assert f"id {rec['id']}" in text and field in text
    sc = t.spacecraft.set_index("id")
    assert len(sc) == 20  # nothing dropped
    assert pd.isna(sc.loc[records[0]["id"], "time_in_space"])
    assert pd.isna(sc.loc[records[1]["id"], "time_docked"])
    assert sc.loc[records[1]["id"], "time_in_space"] == parse_duration(records[1]["time_in_space"])


def test_records_missing_optional_keys_load_with_nulls(real_records):
    old = copy.deepcopy(real_records[0])
    for key in (
        "serial_number",
        "image",
        "time_docked",
        "fastest_turnaround",
        "flights_count",
        "mission_ends_count",
        "in_space",
        "status",
    ):
        old.pop(key)
    old["spacecraft_config"].pop("family")
    t = build_tables([old, *real_records[1:]])
    row = t.wide().set_index("id").loc[old["id"]]
    assert (
        pd.isna(row["serial_number"]) and pd.isna(row["flights_count"]) and pd.isna(row["in_space"])
    )
    assert pd.isna(row["time_docked"]) and pd.isna(row["status"]) and pd.isna(row["image_url"])
    assert row["name"] == old["name"]


def test_record_without_id_is_quarantined_not_fatal(real_records):
    broken = copy.deepcopy(real_records[3])
    del broken["id"]
    with pytest.warns(RejectedRecordWarning, match=r"1 of 4 record\(s\) .*\(#3: no id\)"):
        t = build_tables([*real_records[:3], broken])
    assert len(t.spacecraft) == 3 and len(t.rejected) == 1
    assert check_dtypes(t.rejected, REJECTED_DTYPES) == []
    row = t.rejected.iloc[0]
    assert row["position"] == 3 and pd.isna(row["id"]) and row["reason"] == "no id"
    assert '"name":"Soyuz 7K-L1 No.6"' in row["raw"]


def test_wrongly_typed_field_is_nulled_with_a_warning(real_records):
    records = copy.deepcopy(real_records)
    records[5]["flights_count"] = "many"
    records[6]["in_space"] = "yes"
    with pytest.warns(RecordWarning) as caught:
        t = build_tables(records)
    text = " ".join(str(w.message) for w in caught)
    assert (
        f"flights_count: 1 record(s) of the wrong type set to null (id {records[5]['id']}: 'many')"
        in text
    )
    assert (
        f"in_space: 1 record(s) of the wrong type set to null (id {records[6]['id']}: 'yes')"
        in text
    )
    sc = t.spacecraft.set_index("id")
    assert pd.isna(sc.loc[records[5]["id"], "flights_count"]) and len(sc) == 20
    assert pd.isna(sc.loc[records[6]["id"], "in_space"])


def test_vectorised_durations_agree_with_the_reference_parser(real_records):
    from spacedata.durations import to_timedelta64

    values = [
        r[f]
        for r in resample(real_records, 2000, seed=3)
        for f in ("time_in_space", "time_docked", "fastest_turnaround")
    ]
    values += [r["time_in_space"] for r in real_records] + ["PT1.5H", "P1W", None, "P0D", "PT0S"]
    want = [parse_duration(v) for v in values]
    got = to_timedelta64(values, list(range(len(values))), "t")
    assert [None if pd.isna(g) else pd.Timedelta(g).to_pytimedelta() for g in got] == want
    without = durations._to_timedelta64(values, list(range(len(values))), "t", arrow=False)
    assert without.tolist() == got.tolist()  # the path without pyarrow, value for value


def test_hours_or_minutes_of_three_digits_convert_exactly():
    """pandas' ISO parser refuses PT100H; it must go through the exact parser instead."""
    from spacedata.durations import to_timedelta64

    out = to_timedelta64(["PT100H", "P1DT1000M", "PT59M"], [1, 2, 3], "time_in_space")
    assert list(pd.to_timedelta(out)) == [
        pd.Timedelta(hours=100),
        pd.Timedelta(days=1, minutes=1000),
        pd.Timedelta(minutes=59),
    ]


def test_durations_without_pyarrow_are_the_same():
    """The fast path (pyarrow) and the path without it (``arrow=False``: one compiled regex a
    value, what an install without pyarrow runs) follow one policy, value for value, warning
    for warning."""
    from spacedata import durations

    values = ["P4DT22H42M47S", "PT100H", "P330DT21H55M25.711338S", "P1Y", "PT", None, 12]
    values += ["P" + "9" * 13 + "D", "P1W", "PT1.5H", "P0D", "-P1D"]
    ids = list(range(len(values)))
    with pytest.warns(DurationWarning) as fast_warned:
        fast = durations.to_timedelta64(values, ids, "t")
    with pytest.warns(DurationWarning) as exact_warned:
        exact = durations._to_timedelta64(values, ids, "t", arrow=False)
    assert fast.tolist() == exact.tolist()
    assert str(fast_warned[0].message) == str(exact_warned[0].message)
    assert pd.Timedelta(fast[2]) == pd.Timedelta(days=330, hours=21, minutes=55, seconds=25.711338)
