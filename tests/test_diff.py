"""spacedata.diff (spacedata.diffs) / `spacedata diff OLD NEW`: records added, removed and changed, per endpoint,
compared on the tidy tables (durations and times as values)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import spacedata
from spacedata.cli import main
from spacedata.diffs import DIFF_COLUMNS, format_diff
from spacedata.synthetic import write_synthetic_snapshot


def fetch(ll2, out) -> None:
    argv = ["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet", "--no-quota-check"]
    assert main([*argv, "--refresh"]) == 0


@pytest.fixture
def two(ll2, tmp_path, capsys):
    """OLD and NEW snapshots of the fake, with known changes between them."""
    fetch(ll2, tmp_path / "old")
    recs, flights = ll2.records, ll2.flights.records
    a = next(i for i, r in enumerate(recs) if r["flights_count"] == 3)
    b = next(i for i, r in enumerate(recs) if r["status"]["name"] == "Active" and i != a)
    c = next(i for i, r in enumerate(recs) if r["flights_count"] == 2 and i not in (a, b))
    A, B, C = recs[a], recs[b], recs[c]
    recs[a] = dict(A, flights_count=4)
    recs[b] = dict(B, status={"id": 2, "name": "Retired"})
    gone = [f["id"] for f in flights if f["spacecraft"]["id"] == C["id"]]
    ll2.flights.records = [f for f in flights if f["spacecraft"]["id"] != C["id"]]
    recs.remove(C)
    D = dict(recs[0], id=990_001, name="Arrived (synthetic)", flights_count=0)
    recs.append(D)
    last = [f for f in flights if f["spacecraft"]["id"] == A["id"]][-1]
    ll2.flights.records.append(dict(last, id=5_000, url="https://synthetic.invalid/5000/"))
    k = next(i for i, f in enumerate(ll2.flights.records) if f["duration"] == "P17DT19H49M7S")
    ll2.flights.records[k] = dict(ll2.flights.records[k], duration="PT427H49M7S")  # same span
    fetch(ll2, tmp_path / "new")
    capsys.readouterr()
    return tmp_path / "old", tmp_path / "new", A, B, C, D, gone


def test_diff_lists_added_removed_and_changed_by_endpoint(two):
    old, new, A, B, C, D, gone = two
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # consistent on both sides: C's flights went with it
        df = spacedata.diff(old, new)
    assert tuple(df.columns) == DIFF_COLUMNS
    sc = df[df["endpoint"] == "spacecraft"]
    assert sc[["id", "change"]].values.tolist() == [
        [D["id"], "added"],
        [C["id"], "removed"],
        *sorted([[A["id"], "changed"], [B["id"], "changed"]]),
    ]
    changed = sc[sc["change"] == "changed"].set_index("id")
    assert changed.loc[A["id"], ["field", "old", "new"]].tolist() == ["flights_count", 3, 4]
    assert changed.loc[B["id"], ["field", "old", "new"]].tolist() == ["status", "Active", "Retired"]
    fl = df[df["endpoint"] == "spacecraft_flights"]
    assert fl.loc[fl["change"] == "added", "id"].tolist() == [5_000]
    assert sorted(fl.loc[fl["change"] == "removed", "id"]) == sorted(gone)
    assert (fl["change"] != "changed").all()  # PT427H49M7S is P17DT19H49M7S: no change
    assert df.attrs["counts"] == {
        "spacecraft": (603, 603),
        "spacecraft_flights": (1085, 1085 - len(gone) + 1),
    }
    assert df["id"].dtype == "Int64" and df["old"].dtype == object


def test_the_command_prints_text_csv_and_json(two, capsys):
    old, new, A, B, C, D, gone = two
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "spacecraft: 603 -> 603 records; 1 added, 1 removed, 2 changed"
    assert f"  + {D['id']} Arrived (synthetic)" in lines
    assert f"  - {C['id']} {C['name']}" in lines
    assert f"  ~ {A['id']} {A['name']}: flights_count 3 -> 4" in lines
    assert f"  ~ {B['id']} {B['name']}: status Active -> Retired" in lines
    n = 1085 - len(gone) + 1
    assert f"spacecraft_flights: 1,085 -> {n:,} records; 1 added, {len(gone)} removed" in out

    assert main(["diff", str(old), str(new), "--format", "csv"]) == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(csv.columns) == list(DIFF_COLUMNS) and len(csv) == 4 + 1 + len(gone)
    row = csv[(csv["id"] == B["id"])].iloc[0]
    assert (row["field"], row["old"], row["new"]) == ("status", "Active", "Retired")

    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"endpoint": "spacecraft", "id": A["id"], "change": "changed",
            "field": "flights_count", "old": 3, "new": 4} in rows  # fmt: skip
    assert {"endpoint": "spacecraft", "id": D["id"], "change": "added",
            "field": None, "old": None, "new": None} in rows  # fmt: skip


def test_durations_and_times_are_written_as_iso_8601(tmp_path):
    write_synthetic_snapshot(20, tmp_path / "a", seed=1, flights=True)
    old = spacedata.load_tables(tmp_path / "a")
    new_flights = old.flights.copy()
    new_flights.loc[0, "duration"] += pd.Timedelta(hours=1)
    new_flights.loc[0, "launch_net"] += pd.Timedelta(minutes=5)
    new = spacedata.Tables(**{**old.__dict__, "flights": new_flights})
    df = spacedata.diff(old, new)
    assert df["field"].tolist() == ["launch_net", "duration"]
    assert isinstance(df["old"][1], pd.Timedelta)
    rows = json.loads(format_diff(df, "json"))
    assert rows[1]["new"].startswith("P") and rows[0]["new"].endswith("+00:00")


def test_identical_sources_have_no_changes_and_absent_endpoints_are_not_compared(
    tmp_path, capsys, no_flights_source
):
    write_synthetic_snapshot(25, tmp_path / "a", seed=1)
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "spacecraft: 25 -> 25 records; no changes",
        "spacecraft_flights: not compared (either side holds no spacecraft flights).",
    ]
    assert main(["diff", str(no_flights_source), str(tmp_path / "a")]) == 0
    assert "spacecraft: 20 -> 25 records; 25 added, 20 removed" in capsys.readouterr().out
    assert main(["diff", "bundled", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out  # the sample's 35 spacecraft known from its flights count
    assert "spacecraft: 55 -> 25 records; 25 added, 55 removed" in out
    assert "spacecraft_flights: not compared (the new side holds no spacecraft flights)." in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["diff", "/nonexistent", "bundled"], "is not a snapshot"),
        (["diff", "bundled", "web"], "source='web'"),
    ],
)
def test_diff_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_spacedata_diff_is_the_function_even_after_its_module_is_imported():
    # In a fresh interpreter: a test that imported the old module name would have rebound it.
    code = (
        "import types, spacedata, spacedata.diffs\n"
        "from spacedata.diffs import format_diff\n"
        "assert spacedata.diff is spacedata.diffs.diff, spacedata.diff\n"
        "assert isinstance(spacedata.diff, types.FunctionType)\n"
        "assert 'diff' in spacedata.__all__\n"
        "assert spacedata.diff('bundled', 'bundled').empty\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_dashboard_says_what_changed_since_the_previous_snapshot_version(tmp_path):
    from spacedata.dashboard.data import changes_since_previous
    from spacedata.snapshot import previous_version

    out = tmp_path / "store"
    write_synthetic_snapshot(30, out, seed=1)
    assert previous_version(out) is None  # a first write has none
    assert changes_since_previous(spacedata.load_tables(out)) is None
    write_synthetic_snapshot(32, out, seed=1)
    previous = spacedata.load_tables(previous_version(out)).provenance
    assert previous.records == 30
    line = changes_since_previous(spacedata.load_tables(out))
    assert line.startswith(f"Since the previous snapshot ({previous.dated}): ")
    assert "spacecraft: 2 added" in line
    assert changes_since_previous(spacedata.load_tables("bundled")) is None  # flat: none kept
