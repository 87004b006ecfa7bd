"""Snapshots on disk: manifest, checksums, atomic replacement, the bundled sample."""

from __future__ import annotations

import json

import pytest

from spacedata.errors import SnapshotError
from spacedata.snapshot import (
    bundled_snapshot,
    import_captures,
    read_snapshot,
    write_snapshot,
)
from tests.conftest import ROOT, SEEDS


def test_fetched_snapshot_has_a_full_manifest(client, tmp_path):
    result = client.fetch_spacecraft({"in_space": False})
    snap = write_snapshot(result, tmp_path / "snap")
    m = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert m["endpoint"] == client.endpoint and m["params"]["in_space"] == "false"
    assert m["count_reported"] == m["records_received"] == len(result.records)
    assert m["complete"] is True and m["api_version"] == "2.3.0" and m["spacedata_version"]
    assert m["fetched_at"].endswith("+00:00")
    assert len(m["pages"]) == len(result.pages) and all(len(p["sha256"]) == 64 for p in m["pages"])
    assert (tmp_path / "snap" / m["pages"][0]["file"]).read_bytes() == result.pages[0].content
    assert [r["id"] for r in snap.records()] == [r["id"] for r in result.records]
    assert snap.provenance.source == "snapshot" and snap.provenance.complete


def test_damaged_page_is_detected(client, tmp_path):
    snap = write_snapshot(client.fetch_spacecraft(), tmp_path / "snap")
    page = snap.path / snap.manifest["pages"][2]["file"]
    page.write_bytes(page.read_bytes().replace(b'"id": 1', b'"id": 7', 1))
    with pytest.raises(SnapshotError, match="does not match its sha256"):
        read_snapshot(snap.path).records()


def test_not_a_snapshot_is_a_clear_error(tmp_path):
    with pytest.raises(SnapshotError, match="not a snapshot"):
        read_snapshot(tmp_path)


def test_failed_write_leaves_previous_snapshot_untouched(client, ll2, tmp_path):
    good = write_snapshot(client.fetch_spacecraft(), tmp_path / "snap")
    before = {p: p.read_bytes() for p in good.path.rglob("*") if p.is_file()}
    result = client.fetch_spacecraft({"in_space": True})
    result.pages[-1] = result.pages[-1].__class__(
        result.pages[-1].url,
        None,
        {},
        False,
        result.pages[-1].fetched_at,  # unwritable content
    )
    with pytest.raises(TypeError):
        write_snapshot(result, tmp_path / "snap")
    after = {p: p.read_bytes() for p in good.path.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"] or all(
        not p.name.startswith(".snap") for p in tmp_path.iterdir()
    )


def test_successful_write_replaces_previous_snapshot(client, tmp_path):
    write_snapshot(client.fetch_spacecraft(), tmp_path / "snap")
    snap = write_snapshot(client.fetch_spacecraft({"in_space": True}), tmp_path / "snap")
    assert read_snapshot(tmp_path / "snap").manifest["params"]["in_space"] == "true"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["snap"]
    assert len(snap.records()) < 603


def test_bundled_snapshot_is_the_partial_real_sample():
    snap = bundled_snapshot()
    m = snap.manifest
    assert m["records_received"] == 20 and m["count_reported"] == 603
    assert m["complete"] is False and m["fetched_at"] is None and "Partial sample" in m["note"]
    assert all(
        p["url"].startswith("https://lldev.thespacedevs.com/2.3.0/spacecraft/") for p in m["pages"]
    )
    prov = snap.provenance
    assert prov.source == "bundled"
    assert "partial sample: 20 of about 603 records" in prov.describe()
    assert "unknown date" in prov.describe() and "The Space Devs" in prov.describe()


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason="the captures in ../shared/seeds are not beside this clone"
)
def test_bundled_snapshot_is_rebuilt_byte_for_byte_from_the_captures(tmp_path):
    snap = import_captures(sorted(SEEDS.glob("*.txt")), tmp_path / "bundled")
    for rel in ("manifest.json", "pages/0001.json", "pages/0002.json"):
        assert (snap.path / rel).read_bytes() == (ROOT / "data" / "bundled" / rel).read_bytes(), rel
