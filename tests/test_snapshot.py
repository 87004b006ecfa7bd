"""Snapshots on disk: manifest, checksums, the versioned store, the bundled sample.

Faults (hostile manifests and paths, claims, incomplete syncs, races, kills) are in
test_snapshot_faults.py."""

from __future__ import annotations

import json

import pytest

from spacedata.captures import import_captures
from spacedata.errors import SnapshotError
from spacedata.manifest import Manifest
from spacedata.snapshot import (
    bundled_snapshot,
    default_snapshot_dir,
    latest_snapshot,
    read_snapshot,
)
from spacedata.snapshot_writer import write_endpoints, write_snapshot
from tests.conftest import ROOT, SEEDS
from tests.snapshot_worker import check_marked, fake_result, marked_records


def test_fetched_snapshot_has_a_full_manifest(client, tmp_path):
    result = client.fetch("spacecraft", {"in_space": False})
    snap = write_snapshot(result, tmp_path / "snap")
    assert snap.location == tmp_path / "snap" and snap.path.parent == tmp_path / "snap" / "versions"
    assert (tmp_path / "snap" / "CURRENT").read_text() == snap.path.name + "\n"
    m = json.loads((snap.path / "manifest.json").read_text())
    assert m["format"] == 2 and list(m["endpoints"]) == ["spacecraft"]
    assert m["complete"] is True and m["api_version"] == "2.3.0" and m["spacedata_version"]
    assert m["fetched_at"].endswith("+00:00") and m["source"] == "live"
    assert "note" not in m and "problems" not in m and "stale_since" not in m
    part = m["endpoints"]["spacecraft"]
    assert part["endpoint"] == client.endpoint and part["params"]["in_space"] == "false"
    assert part["count_reported"] == part["records_received"] == len(result.records)
    assert part["complete"] is True and part["fetched_at"] == m["fetched_at"]
    assert len(part["pages"]) == len(result.pages)
    assert all(len(p["sha256"]) == 64 for p in part["pages"])
    assert "problems" not in part and "stale_since" not in part
    assert part["pages"][0]["file"] == "pages/spacecraft/0001.json"
    assert (snap.path / part["pages"][0]["file"]).read_bytes() == result.pages[0].content
    assert [r["id"] for r in snap.records()] == [r["id"] for r in result.records]
    assert snap.provenance.source == "snapshot" and snap.provenance.complete
    assert snap.provenance.location == str(tmp_path / "snap")
    assert isinstance(snap.manifest, Manifest) and snap.manifest.params["in_space"] == "false"


def test_one_snapshot_holds_both_endpoints_under_one_manifest(client, ll2, tmp_path):
    result = client.sync().run()
    snap = write_snapshot(result, tmp_path / "snap")
    m = json.loads((snap.path / "manifest.json").read_text())
    assert list(m["endpoints"]) == ["spacecraft", "spacecraft_flights"] and m["complete"]
    flights = m["endpoints"]["spacecraft_flights"]
    assert flights["endpoint"] == ll2.base + "spacecraft_flights/"
    assert flights["count_reported"] == flights["records_received"] == len(ll2.flights.records)
    assert len(flights["pages"]) == 11 and flights["complete"] is True
    assert flights["pages"][-1]["file"] == "pages/spacecraft_flights/0011.json"
    assert m["fetched_at"] == min(p["fetched_at"] for p in m["endpoints"].values())
    assert snap.endpoints == ("spacecraft", "spacecraft_flights")
    assert len(snap.records("spacecraft_flights")) == len(ll2.flights.records)
    assert len(snap.records()) == 603  # the primary endpoint: spacecraft
    prov = snap.provenance_for("spacecraft_flights")
    assert prov.complete and prov.count == len(ll2.flights.records)
    again = read_snapshot(tmp_path / "snap")
    assert (
        again.manifest == snap.manifest
        and again.manifest.to_json() == (snap.path / "manifest.json").read_bytes()
    )
    with pytest.raises(KeyError, match="holds no 'launches' pages"):
        snap.records("launches")


def test_a_damaged_flights_page_fails_the_whole_snapshot(client, tmp_path):
    snap = write_snapshot(client.sync().run(), tmp_path / "snap")
    page = snap.path / "pages" / "spacecraft_flights" / "0004.json"
    page.write_bytes(page.read_bytes().replace(b'"id": 3', b'"id": 9', 1))
    with pytest.raises(
        SnapshotError, match="spacecraft_flights/0004.json: does not match its sha256"
    ):
        read_snapshot(tmp_path / "snap")


def test_flights_claims_are_checked_like_the_spacecraft(client, tmp_path):
    snap = write_snapshot(client.sync().run(), tmp_path / "snap")
    path = snap.path / "manifest.json"
    m = json.loads(path.read_text())
    m["endpoints"]["spacecraft_flights"]["records_received"] += 1
    path.write_text(json.dumps(m))
    with pytest.raises(
        SnapshotError, match=r"endpoints\.spacecraft_flights\.records_received says"
    ):
        read_snapshot(tmp_path / "snap")


def test_damaged_page_is_detected(client, tmp_path):
    snap = write_snapshot(client.fetch("spacecraft"), tmp_path / "snap")
    page = snap.path / snap.manifest.pages[2].file
    page.write_bytes(page.read_bytes().replace(b'"id": 1', b'"id": 7', 1))
    with pytest.raises(SnapshotError, match="does not match its sha256"):
        read_snapshot(snap.path).records()


def test_not_a_snapshot_is_a_clear_error(tmp_path):
    with pytest.raises(SnapshotError, match="not a snapshot"):
        read_snapshot(tmp_path)


def _files(path):
    return {p: p.read_bytes() for p in path.rglob("*") if p.is_file() and p.name != ".lock"}


def test_failed_write_leaves_previous_snapshot_untouched(client, ll2, tmp_path):
    write_snapshot(client.fetch("spacecraft"), tmp_path / "snap")
    before = _files(tmp_path / "snap")
    result = client.fetch("spacecraft", {"in_space": True})
    result.pages[-1] = result.pages[-1].__class__(
        result.pages[-1].url,
        None,
        {},
        False,
        result.pages[-1].fetched_at,  # unwritable content
    )
    with pytest.raises(TypeError):
        write_snapshot(result, tmp_path / "snap")
    assert _files(tmp_path / "snap") == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"] or all(
        not p.name.startswith(".snap") for p in tmp_path.iterdir()
    )


def test_successful_write_replaces_previous_snapshot(client, tmp_path):
    write_snapshot(client.fetch("spacecraft"), tmp_path / "snap")
    snap = write_snapshot(client.fetch("spacecraft", {"in_space": True}), tmp_path / "snap")
    assert read_snapshot(tmp_path / "snap").manifest.params["in_space"] == "true"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["snap"]
    assert len(snap.records()) < 603


def test_bundled_snapshot_is_the_partial_real_sample():
    snap = bundled_snapshot()
    m = snap.manifest
    assert m.records_received == 20 and m.count_reported == 603
    assert m.complete is False and m.fetched_at is None and "Partial sample" in m.note
    assert all(
        p.url.startswith("https://lldev.thespacedevs.com/2.3.0/spacecraft/")
        for p in m.part("spacecraft").pages
    )
    assert m.part("spacecraft_flights").records_received == 38
    prov = snap.provenance
    assert prov.source == "bundled"
    assert "partial sample: 20 of about 603 records" in prov.describe()
    assert "fetch date not recorded" in prov.describe() and "The Space Devs" in prov.describe()
    assert "unknown date" not in prov.describe() and "as of" not in prov.describe()


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason="the captures in ../shared/seeds are not beside this clone"
)
def test_bundled_snapshot_is_rebuilt_byte_for_byte_from_the_captures(tmp_path):
    from tools.bundled_snapshot import build

    snap = build(SEEDS, tmp_path / "bundled")
    shipped = ROOT / "data" / "bundled"
    files = sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(snap.path) for p in snap.path.rglob("*") if p.is_file())
    for rel in files:
        assert (snap.path / rel).read_bytes() == (shipped / rel).read_bytes(), rel


def test_import_captures_writes_a_flat_snapshot(tmp_path):
    if not SEEDS.is_dir():
        pytest.skip("the captures in ../shared/seeds are not beside this clone")
    snap = import_captures(sorted(SEEDS.glob("*.txt")), tmp_path / "bundled")
    assert snap.path == snap.location == tmp_path / "bundled"
    assert sorted(p.name for p in (tmp_path / "bundled").iterdir()) == ["manifest.json", "pages"]


def test_store_keeps_the_current_and_the_previous_version(tmp_path):
    out = tmp_path / "snap"
    snaps = [write_snapshot(fake_result(marked_records(k)), out) for k in range(5)]
    versions = sorted(p.name for p in (out / "versions").iterdir())
    assert versions == [snaps[3].path.name, snaps[4].path.name]
    assert [int(s.path.name[:8]) for s in snaps] == [1, 2, 3, 4, 5]
    assert check_marked(read_snapshot(out)) == 4
    previous = read_snapshot(snaps[3].path)  # a version directory reads as a flat snapshot
    assert check_marked(previous) == 3 and previous.provenance.location == str(snaps[3].path)


def test_write_refuses_a_version_directory_or_a_foreign_one(tmp_path):
    snap = write_snapshot(fake_result(marked_records(1)), tmp_path / "snap")
    with pytest.raises(SnapshotError, match="is a version inside the snapshot store"):
        write_snapshot(fake_result(marked_records(2)), snap.path)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("precious")
    with pytest.raises(SnapshotError, match=r"holds other files \(thesis.tex\)"):
        write_snapshot(fake_result(marked_records(2)), tmp_path / "home")
    empty = {
        "spacecraft": (
            [],
            [],
            {
                "endpoint": "test://",
                "params": None,
                "fetched_at": None,
                "count_reported": None,
                "records_received": 0,
                "complete": False,
            },
        )
    }
    with pytest.raises(SnapshotError, match="is a versioned snapshot store"):
        write_endpoints(tmp_path / "snap", empty, {"source": "test"}, layout="flat")
    with pytest.raises(SnapshotError, match="holds other files and is not a snapshot"):
        write_endpoints(tmp_path / "home", empty, {"source": "test"}, layout="flat")
    with pytest.raises(ValueError, match="layout='tree'"):
        write_endpoints(tmp_path / "x", {}, {}, layout="tree")
    assert check_marked(read_snapshot(tmp_path / "snap")) == 1


def test_flat_snapshot_loads_and_is_converted_to_a_store_by_a_write(tmp_path):
    """A flat snapshot (pages/<endpoint>/ folders): a store written over it removes it."""
    out = tmp_path / "snap"
    result = fake_result(marked_records(1))
    part = {
        "endpoint": result.endpoint,
        "params": result.params,
        "fetched_at": "2026-11-20T08:00:00+00:00",
        "count_reported": result.count,
        "records_received": len(result.records),
        "complete": True,
    }
    flat = write_endpoints(
        out,
        {"spacecraft": ([p.content for p in result.pages], [p.url for p in result.pages], part)},
        {"source": "live"},
        layout="flat",
    )
    assert (out / "pages" / "spacecraft" / "0001.json").is_file()
    assert flat.path == out and check_marked(read_snapshot(out)) == 1
    assert read_snapshot(out).manifest.fetched_at.isoformat() == "2026-11-20T08:00:00+00:00"
    write_snapshot(fake_result(marked_records(2)), out)
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == ["CURRENT", "versions"]
    assert check_marked(read_snapshot(out)) == 2


def test_write_refuses_a_bad_endpoint_name(tmp_path):
    with pytest.raises(SnapshotError, match="'../x' is not an endpoint name"):
        write_endpoints(tmp_path / "s", {"../x": ([], [], {})}, {"source": "t"})
    assert not (tmp_path / "s").exists()


def test_latest_snapshot_finds_a_store():
    assert latest_snapshot() is None
    write_snapshot(fake_result(marked_records(3)), default_snapshot_dir())
    snap = latest_snapshot()
    assert check_marked(snap) == 3 and snap.location == default_snapshot_dir()
