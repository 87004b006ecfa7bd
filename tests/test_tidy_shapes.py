"""Records of other API shapes load: older LL2 versions, hostile values, unusable records.

Every case checks: the load does not raise, the right field is null or coerced, the warning
names the record, and loaded + rejected == received. Fixtures are built in ``tests/shapes.py``.
"""

from __future__ import annotations

import copy
import json
import warnings
from datetime import datetime, timezone

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from spacedata import errors
from spacedata.errors import DurationWarning, RecordWarning, RejectedRecordWarning
from spacedata.provenance import Provenance
from spacedata.synthetic import resample
from spacedata.tidy import (
    REJECTED_DTYPES,
    SPACECRAFT_DTYPES,
    WIDE_DTYPES,
    Tables,
    build_tables,
    check_dtypes,
)
from tests import shapes
from tests.shapes import BASE_ID, NA, REJECTS, SHAPES, Reject, Shape

_KEYS = {"wide": "id", "spacecraft": "id", "families": "family_id", "agencies": "agency_id"}


def _build(received: list) -> tuple[Tables, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = build_tables(received)
    assert len(tables.spacecraft) + len(tables.rejected) == len(received)
    assert check_dtypes(tables.spacecraft, SPACECRAFT_DTYPES) == []
    assert check_dtypes(tables.rejected, REJECTED_DTYPES) == []
    assert check_dtypes(tables.wide(), WIDE_DTYPES) == []
    return tables, caught


def _value(tables: Tables, shape: Shape) -> object:
    frame = tables.wide() if shape.table == "wide" else getattr(tables, shape.table)
    row = shape.key if shape.row is None else shape.row
    return frame.set_index(_KEYS[shape.table]).loc[row, shape.column]


def _others(tables: Tables, key: int) -> pd.DataFrame:
    """The spacecraft rows except ``key``'s (categories as text: the odd row may add one)."""
    frame = tables.spacecraft.set_index("id").drop(key)
    return frame.astype({"status": "string"})


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_odd_field_shape_loads(real_records, shape: Shape):
    base = next(r for r in real_records if r["id"] == BASE_ID)
    received = shapes.received_with(real_records, shape.make(copy.deepcopy(base)))
    tables, caught = _build(received)

    assert len(tables.spacecraft) == len(received) and tables.rejected.empty
    value = _value(tables, shape)
    if shape.expect is NA:
        assert pd.isna(value), value
    else:
        assert value == shape.expect
    if shape.warning is None:
        assert [str(w.message) for w in caught] == []
    else:
        assert {w.category for w in caught} == {shape.warning}
        (message,) = [str(w.message) for w in caught]  # one warning, for the one field
        assert f"id {shape.key}" in message
        assert (shape.field or shape.column) in message
    # the other records' rows are exactly what they are without the odd one
    plain = build_tables(shapes.received_with(real_records, base))
    assert_frame_equal(_others(tables, shape.key), _others(plain, BASE_ID))


@pytest.mark.parametrize("reject", REJECTS, ids=lambda r: r.name)
def test_unusable_record_is_quarantined(real_records, reject: Reject):
    base = next(r for r in real_records if r["id"] == BASE_ID)
    odd = reject.make(copy.deepcopy(base))
    received = [*real_records, odd]
    tables, caught = _build(received)

    assert len(tables.spacecraft) == 20 and len(tables.rejected) == 1
    assert_frame_equal(tables.spacecraft, build_tables(real_records).spacecraft)
    row = tables.rejected.iloc[0]
    assert row["position"] == 20
    assert row["reason"] == reject.reason
    assert (pd.isna(row["id"]) and reject.id_text is None) or row["id"] == reject.id_text
    assert json.loads(row["raw"]) == odd
    assert {w.category for w in caught} == {RejectedRecordWarning}
    (message,) = [str(w.message) for w in caught]
    assert message.startswith("1 of 21 record(s)") and f"#20: {reject.reason}" in message


def test_whole_v220_page_loads_with_agency_type(real_records):
    page = shapes.v220_page(real_records)
    assert all(isinstance(r["spacecraft_config"]["agency"]["type"], str) for r in page)
    assert all("time_in_space" not in r and "flights_count" not in r for r in page)
    tables, caught = _build(page)

    assert [str(w.message) for w in caught] == []
    wide = tables.wide().set_index("id")
    want = build_tables(real_records).wide().set_index("id")
    assert len(wide) == 20 and tables.rejected.empty
    assert wide["agency_type"].notna().all()
    assert wide["agency_type"].astype(str).to_dict() == want["agency_type"].astype(str).to_dict()
    assert set(tables.agencies["agency_type"]) == {"Government", "Commercial"}
    assert wide["time_in_space"].isna().all() and wide["flights_count"].isna().all()
    same = ["name", "status", "config_name", "agency_abbrev", "families", "time_docked"]
    assert_frame_equal(wide[same], want[same])


def test_well_formed_records_warn_nothing(real_records):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tables = build_tables(resample(real_records, 3000, seed=5))
    assert len(tables.spacecraft) == 3000 and tables.rejected.empty
    assert check_dtypes(tables.rejected, REJECTED_DTYPES) == []


def test_one_warning_per_field_names_ten_ids_and_the_rest(real_records):
    records = copy.deepcopy(real_records)
    for r in records[:13]:
        r["flights_count"] = {"n": 1}
        r["time_docked"] = 86400
    tables, caught = _build(records)

    by_kind = {w.category: str(w.message) for w in caught}
    assert len(caught) == 2 and set(by_kind) == {RecordWarning, DurationWarning}
    for message in by_kind.values():
        assert all(f"id {r['id']}:" in message for r in records[:10])
        assert f"id {records[10]['id']}:" not in message and "and 3 more" in message
    assert by_kind[RecordWarning].startswith("flights_count: 13 record(s) of the wrong type")
    assert tables.spacecraft["flights_count"].isna().sum() == 13
    assert tables.spacecraft["time_docked"].isna().sum() == 13


def test_many_rejections_make_one_warning_and_keep_input_order(real_records):
    odd = [5, None, {"id": "x"}, {"id": 1.5}, {"name": "no id"}, [1], {"id": False}]
    received = [*real_records[:10], *odd, *real_records[10:]]
    tables, caught = _build(received)

    assert len(tables.spacecraft) == 20 and len(tables.rejected) == 7
    assert tables.rejected["position"].tolist() == list(range(10, 17))
    assert tables.spacecraft["id"].tolist() == [r["id"] for r in real_records]
    (message,) = [str(w.message) for w in caught if w.category is RejectedRecordWarning]
    assert message.startswith("7 of 27 record(s)") and "#10: not an object (int)" in message
    assert "#14: no id" in message and "and 2 more" in message


def test_a_generator_of_records_loads(real_records):
    with pytest.warns(RejectedRecordWarning, match="#20: not an object"):
        tables = build_tables(r for r in [*real_records, "junk"])
    assert len(tables.spacecraft) + len(tables.rejected) == 21


def test_nothing_but_bad_records_gives_empty_typed_tables():
    received = [None, 1, {"id": "abc"}]
    tables, _ = _build(received)
    assert tables.spacecraft.empty and len(tables.rejected) == 3
    assert tables.wide().empty


def test_rejected_sits_beside_the_data_tables_with_provenance(real_records):
    prov = Provenance(
        source="snapshot",
        fetched_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
        count=22,
        records=22,
        complete=True,
        location="/tmp/snap",
    )
    with pytest.warns(RejectedRecordWarning):
        tables = build_tables([*real_records, 7, {"id": None}], prov)
    assert list(tables.frames()) == [
        "spacecraft",
        "configurations",
        "agencies",
        "families",
        "config_families",
    ]
    assert tables.rejected.attrs == prov.as_attrs() == tables.spacecraft.attrs
    assert Tables(*tables.frames().values()).rejected.empty  # the field has a default
    assert check_dtypes(Tables(*tables.frames().values()).rejected, REJECTED_DTYPES) == []


def test_record_warning_is_the_shared_class():
    from spacedata import tidy

    assert tidy.RecordWarning is errors.RecordWarning
    assert issubclass(RejectedRecordWarning, errors.SpacedataWarning)
