"""Loading the flights table: provenance per endpoint, snapshots without flights, the
flights_count consistency check, quarantine per endpoint, live loads."""

from __future__ import annotations

import hashlib
import warnings

import pytest

import spacedata
from spacedata.cli import main
from spacedata.errors import ConsistencyWarning, RejectedRecordWarning
from spacedata.snapshot import read_snapshot
from spacedata.synthetic import write_synthetic_snapshot
from spacedata.tidy import FLIGHT_DTYPES, FLIGHTS_WIDE_DTYPES, check_dtypes
from tests.conftest import ROOT


def no_warnings(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def test_a_snapshot_with_flights_loads_both_with_their_own_provenance(tmp_path):
    snap = write_synthetic_snapshot(60, tmp_path / "syn", seed=4, flights=True)
    tables = no_warnings(spacedata.load_tables, snapshot=tmp_path / "syn")
    n = len(snap.records("spacecraft_flights"))
    assert len(tables.flights) == n == int(tables.spacecraft["flights_count"].sum())
    assert check_dtypes(tables.flights, FLIGHT_DTYPES) == []
    fl, sc = tables.flights.attrs, tables.spacecraft.attrs
    assert fl["endpoint"] == "spacecraft_flights" and sc["endpoint"] == "spacecraft"
    assert fl["count"] == fl["records"] == n and fl["complete"] is True
    assert sc["count"] == 60 and fl["source"] == sc["source"] == "synthetic"
    assert "note" not in fl
    prov = tables.provenance_for("spacecraft_flights")
    assert prov == spacedata.provenance_of(tables.flights) and prov.count == n
    assert tables.provenance.count == 60
    assert "SYNTHETIC" in prov.describe()
    assert tables.notes == ("Checked: flights_count against the flights listed agree for all 60 "
                            "spacecraft with a count.",)  # fmt: skip


def _digest(path):
    return hashlib.sha256(
        b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())
    ).hexdigest()


def test_snapshots_without_flights_load_with_an_empty_typed_table_and_a_note(
    tmp_path, no_flights_source
):
    bundled = ROOT / "data" / "bundled"
    before = _digest(bundled)
    write_synthetic_snapshot(30, tmp_path / "v2")  # spacecraft only
    for source in (no_flights_source, tmp_path / "v2"):
        tables = no_warnings(spacedata.load_tables, source)
        assert tables.flights.empty and check_dtypes(tables.flights, FLIGHT_DTYPES) == []
        note = tables.flights.attrs["note"]
        assert "holds no spacecraft flights" in note and "`spacedata fetch`" in note
        assert tables.notes == (note,)
        assert tables.flights.attrs["records"] == 0 and not tables.flights.attrs["complete"]
        assert len(tables.spacecraft) in (20, 30)
        flights = no_warnings(spacedata.load_flights, source)
        assert flights.empty and check_dtypes(flights, FLIGHTS_WIDE_DTYPES) == []
    assert _digest(bundled) == before


def test_load_flights_mirrors_load_spacecraft(tmp_path):
    write_synthetic_snapshot(40, tmp_path / "syn", seed=2, flights=True)
    df = spacedata.load_flights(tmp_path / "syn")
    tables = spacedata.load_tables(tmp_path / "syn")
    assert check_dtypes(df, FLIGHTS_WIDE_DTYPES) == [] and len(df) == len(tables.flights)
    assert df["agency_abbrev"].notna().all() and df["config_name"].notna().all()
    names = tables.configurations.set_index("config_id")["config_name"]
    assert (df["config_name"].astype(str) == df["config_id"].map(names).astype(str)).all()
    assert df.attrs == tables.flights.attrs and df.attrs["endpoint"] == "spacecraft_flights"
    assert spacedata.load_flights(snapshot=tmp_path / "syn").equals(df)


def _fetch(ll2, out, *extra):
    argv = ["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet", "--no-quota-check"]
    return main([*argv, *extra])


def test_a_flights_count_that_disagrees_is_reported_never_fixed(ll2, tmp_path, capsys):
    k = next(i for i, r in enumerate(ll2.records) if r["flights_count"] == 2)
    craft = ll2.records[k] = dict(ll2.records[k], flights_count=5)  # LL2 says 5, lists 2
    assert _fetch(ll2, tmp_path / "snap") == 0
    with pytest.warns(ConsistencyWarning, match=f"id {craft['id']}: flights_count 5, 2 listed"):
        tables = spacedata.load_tables(tmp_path / "snap")
    assert tables.spacecraft.set_index("id").loc[craft["id"], "flights_count"] == 5
    assert (tables.flights["spacecraft_id"] == craft["id"]).sum() == 2
    bad = spacedata.tidy.flight_count_mismatches(tables.spacecraft, tables.flights)
    assert bad[["id", "flights_count", "flights_listed"]].values.tolist() == [[craft["id"], 5, 2]]
    (note,) = [n for n in tables.notes if n.startswith("Mismatch:")]
    assert "1 of 603 spacecraft" in note and "kept as LL2 sent them" in note
    capsys.readouterr()
    assert main(["info", "--snapshot", str(tmp_path / "snap")]) == 0
    captured = capsys.readouterr()
    assert "Consistency:    Mismatch: flights_count disagrees with the flights listed" in (
        captured.out
    )
    assert "spacedata: warning: flights_count disagrees" in captured.err


def test_consistency_is_checked_only_when_the_flights_are_complete_and_unfiltered(ll2, tmp_path):
    craft = ll2.records[3]
    ll2.records[3] = dict(craft, flights_count=99)
    assert (
        _fetch(ll2, tmp_path / "f", "--param", f"spacecraft_flights:spacecraft={craft['id']}") == 0
    )
    tables = no_warnings(spacedata.load_tables, tmp_path / "f")
    assert set(tables.flights["spacecraft_id"]) <= {craft["id"]}
    assert tables.notes == (
        "Not checked: flights_count against the flights listed (the spacecraft flights were "
        "filtered).",
    )
    ll2.flights.envelope = {99: {"next": None}}
    assert _fetch(ll2, tmp_path / "p", "--allow-partial", "--refresh") == 3
    tables = no_warnings(spacedata.load_tables, tmp_path / "p.partial")
    assert "Not checked: flights_count against the flights listed (the spacecraft flights are " \
        "incomplete)." in tables.notes  # fmt: skip


def test_flights_of_spacecraft_the_table_lacks_are_reported(ll2, tmp_path):
    gone = ll2.records.pop(10)  # its flights stay on /spacecraft_flights/
    assert _fetch(ll2, tmp_path / "snap") == 0
    with pytest.warns(ConsistencyWarning, match=f"spacecraft id {gone['id']}"):
        tables = spacedata.load_tables(tmp_path / "snap")
    assert (tables.flights["spacecraft_id"] == gone["id"]).sum() == gone["flights_count"]


def test_rejected_rows_say_their_endpoint_and_add_up_per_endpoint(ll2, tmp_path):
    ll2.junk_offsets = {99}  # items 10-12 of that spacecraft page are not records
    ll2.flights.records[500] = dict(ll2.flights.records[500], id="not-a-number")
    ll2.flights.records.insert(700, None)
    assert _fetch(ll2, tmp_path / "s", "--allow-partial") == 3
    snap = read_snapshot(tmp_path / "s.partial")
    with pytest.warns(RejectedRecordWarning) as caught:
        tables = spacedata.load_tables(snap.location)
    assert len(caught) == 2  # one per endpoint
    rejected = tables.rejected
    assert rejected["endpoint"].value_counts().to_dict() == {
        "spacecraft": 3,
        "spacecraft_flights": 2,
    }
    sent = tables.spacecraft[tables.spacecraft["seen_in"] == "spacecraft"]
    for name, table in (("spacecraft", sent), ("spacecraft_flights", tables.flights)):
        received = len(snap.records(name))
        assert len(table) + (rejected["endpoint"] == name).sum() == received
    # the quarantined spacecraft whose flights were read are known from those flights
    from_flights = tables.spacecraft[tables.spacecraft["seen_in"] == "spacecraft_flights"]
    assert set(from_flights["id"]) <= set(tables.flights["spacecraft_id"])
    row = rejected[rejected["endpoint"] == "spacecraft_flights"].iloc[0]
    assert row["id"] == "not-a-number" and row["reason"] == "id is not an integer: 'not-a-number'"
    assert rejected.attrs == tables.provenance.as_attrs()  # the spacecraft's, as before


def test_a_live_load_reads_the_spacecraft_only_unless_told(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    tables = spacedata.load_tables("live")
    assert len(tables.spacecraft) == 603 and tables.flights.empty
    assert ll2.flights_requests == []
    assert "This live load read spacecraft only" in tables.flights.attrs["note"]
    both = spacedata.load_tables("live", endpoints=["spacecraft", "spacecraft_flights"])
    assert len(both.flights) == len(ll2.flights.records) and both.flights.attrs["complete"]
    assert both.flights.attrs["location"] == ll2.base + "spacecraft_flights/"
    assert both.spacecraft.attrs["source"] == "cache"  # read a moment ago
    assert both.flights.attrs["source"] == "live"
    assert any(n.startswith("Checked:") for n in both.notes)
    flights = spacedata.load_flights("live")
    assert len(flights) == len(ll2.flights.records) and flights.attrs["source"] == "cache"


def test_synthetic_flights_are_labelled_everywhere(tmp_path):
    snap = write_synthetic_snapshot(10, tmp_path / "syn", flights=True)
    assert snap.manifest.source == "synthetic" and snap.manifest.note.startswith("SYNTHETIC")
    for rec in snap.records("spacecraft_flights"):
        assert (
            "SYNTHETIC" in rec["launch"]["name"] and "SYNTHETIC" in rec["launch"]["mission"]["name"]
        )
        assert rec["url"].startswith("https://synthetic.invalid/")
        assert "synthetic" in rec["spacecraft"]["name"]


def test_a_source_without_flights_says_no_records_not_zero_of_unknown(no_flights_source):
    import spacedata

    flights = spacedata.load_flights(no_flights_source)
    text = spacedata.provenance_of(flights).describe()
    assert "no records in this source" in text and "0 of about" not in text
