"""The fault matrix of a sync, run from the command line as a user would and from Python.

Every case starts from a complete snapshot at OUT and asserts: the exit code (3 when the sync
did not complete), one line on stderr that says what happened and what to do, no traceback,
and the snapshot at OUT byte-identical to before. The server is the local LL2 (tests/ll2fake.py).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import warnings
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

import spacedata
from spacedata.cli import main
from spacedata.client import LL2Client
from spacedata.errors import (
    ApiError,
    CacheWarning,
    IncompleteError,
    NetworkError,
    RateLimitError,
    SourceWarning,
    StaleDataWarning,
)
from spacedata.snapshot import read_snapshot
from tests.conftest import ROOT
from tests.ll2fake import DROP


def tree_digest(path: Path) -> str:
    """One hash over every file below ``path`` (names and bytes)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


@pytest.fixture
def good(ll2, tmp_path, capsys):
    """A complete snapshot at OUT, fetched from the fake; returns (OUT, its digest)."""
    out = tmp_path / "snap"
    assert fetch_cli(ll2, out) == 0
    capsys.readouterr()
    ll2.seen = []
    return out, tree_digest(out)


def fetch_cli(ll2, out: Path, *extra: str) -> int:
    argv = ["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet", "--no-quota-check"]
    return main([*argv, "--refresh", *extra])


def remove_and_add(fake) -> None:
    """A record already read disappears and a new one arrives: ``count`` does not change."""
    fake.records.remove(fake.records[10])
    fake.records.append(dict(fake.records[0], id=990_001, name="Arrived mid-sync"))


def churn(fake) -> None:
    """Records keep disappearing from the front of the list, after every page."""
    fake.records.remove(fake.records[0])
    for offset in range(0, 700, 99):
        fake.after_page[offset] = churn


INCOMPLETE_CASES = {
    "next null early": dict(envelope={99: {"next": None}}, says="stopped paging at offset 199"),
    "next missing": dict(envelope={198: {"next": DROP}}, says="'next' is empty"),
    "count drift (more reported than served)": dict(
        envelope={594: {"count": 700}}, says="reports 700 records"
    ),
    "duplicate ids": dict(duplicate=True, says="arrived more than once"),
    "non-object items": dict(junk_offsets={99}, says="are not records"),
    "records keep moving": dict(after_page={0: churn}, says="records kept moving"),
    "page fails (HTML)": dict(html_offsets={198}, says="text/html"),
    "truncated JSON": dict(truncate_offsets={297}, says="invalid JSON"),
    "malformed count": dict(envelope={99: {"count": "many"}}, says="malformed 'count' ('many')"),
    "malformed next": dict(
        envelope={0: {"next": "http://127.0.0.1/2.3.0/spacecraft/?offset=abc"}},
        says="malformed offset",
    ),
    "rate limited mid-sync": dict(quota=3, says="try again in 1234 s"),
    "5xx on every retry": dict(fail_next=100, says="HTTP 500"),
}


@pytest.mark.parametrize("case", INCOMPLETE_CASES, ids=list(INCOMPLETE_CASES))
def test_an_incomplete_sync_never_replaces_a_complete_snapshot(case, good, ll2, capsys):
    out, before = good
    spec = dict(INCOMPLETE_CASES[case])
    says = spec.pop("says")
    if spec.pop("duplicate", False):
        ll2.records.insert(150, dict(ll2.records[150]))
    if "quota" in spec:
        ll2.used = 0
    for key, value in spec.items():
        setattr(ll2, key, value)
    assert fetch_cli(ll2, out) == 3
    err = capsys.readouterr().err
    assert err.startswith("spacedata: incomplete: ") and says in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert tree_digest(out) == before
    assert read_snapshot(out).manifest.complete


def test_allow_partial_keeps_the_result_beside_never_over(good, ll2, capsys):
    out, before = good
    ll2.envelope = {99: {"next": None}}
    assert fetch_cli(ll2, out, "--allow-partial") == 3
    err = capsys.readouterr().err
    partial = out.with_name(out.name + ".partial")
    assert str(partial) in err and tree_digest(out) == before
    kept = read_snapshot(partial)
    assert not kept.manifest.complete and kept.manifest.records_received == 199
    assert any("stopped paging" in p for p in kept.manifest.problems)


def test_balanced_drift_is_detected_and_nothing_is_lost(good, ll2, capsys):
    """A record already read is removed and another added: count stays 603. The overlap
    check catches the shift, re-reads one page, and the snapshot holds exactly LL2's list."""
    out, _ = good
    ll2.after_page = {0: remove_and_add}
    assert fetch_cli(ll2, out) == 0, capsys.readouterr().err
    snap = read_snapshot(out)
    assert snap.manifest.complete and snap.manifest.count_reported == 603
    assert sorted(r["id"] for r in snap.records()) == sorted(r["id"] for r in ll2.records)
    assert len(ll2.spacecraft_requests) == 8  # ceil(603 / 100) + 1: one page re-read


def test_fetch_again_after_drift_rereads_the_pages_not_the_stale_cache(ll2, tmp_path, capsys):
    out = tmp_path / "snap"
    ll2.after_page = {0: churn}
    argv = ["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet", "--no-quota-check"]
    assert main(argv) == 3
    assert "Run `spacedata fetch` again" in capsys.readouterr().err
    ll2.after_page, ll2.seen = {}, []
    assert main(argv) == 0  # the same command, no --refresh: the drifted pages are not cached
    assert len(ll2.spacecraft_requests) == 7
    assert sorted(r["id"] for r in read_snapshot(out).records()) == sorted(
        r["id"] for r in ll2.records
    )


def test_malformed_count_lets_auto_fall_back(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    ll2.envelope = {0: {"count": "many"}}
    with pytest.warns(SourceWarning, match="malformed 'count'"):
        df = spacedata.load_spacecraft("auto")
    assert df.attrs["source"] == "bundled"


def test_slow_drip_fails_at_the_deadline_saying_timed_out(good, ll2, capsys, monkeypatch):
    out, before = good
    monkeypatch.setenv("SPACEDATA_HTTP_DEADLINE", "1.5")
    ll2.drip_offsets, ll2.drip_s = {99}, 0.25  # alive, but one byte every 0.25 s
    assert fetch_cli(ll2, out) == 3
    err = capsys.readouterr().err
    assert "timed out" in err and "1.5 s deadline" in err and "ConnectionError" not in err
    assert tree_digest(out) == before


def test_retry_after_as_an_http_date(client, ll2):
    ll2.quota = 0
    ll2.retry_after_header = format_datetime(
        datetime.now(timezone.utc) + timedelta(seconds=600), usegmt=True
    )
    with pytest.raises(RateLimitError) as err:
        client.fetch("spacecraft")
    assert 590 <= err.value.retry_after <= 600


def expire_cache(cache_file: Path) -> None:
    """Make every cached page expired, as if 12 h had passed."""
    from requests_cache.backends.sqlite import SQLiteCache

    cache = SQLiteCache(str(cache_file))
    for key in list(cache.responses.keys()):
        response = cache.responses[key]
        response.expires = datetime.now(timezone.utc) - timedelta(hours=1)
        cache.responses[key] = response
    cache.close()


def test_a_429_is_never_answered_with_expired_pages(client, ll2):
    client.fetch("spacecraft")
    expire_cache(client.cache_path)
    ll2.quota, ll2.used = 0, 0
    with pytest.raises(RateLimitError):
        client.fetch("spacecraft")


def test_offline_serves_expired_pages_only_marked_stale(client, ll2, capsys, monkeypatch):
    client.fetch("spacecraft")
    expire_cache(client.cache_path)
    with LL2Client(ll2.base, offline=True, progress=False) as offline:
        with pytest.warns(StaleDataWarning, match="past their freshness"):
            tables = spacedata.load_tables("live", client=offline)
    prov = tables.provenance
    assert prov.stale_since is not None and "STALE since" in prov.describe()
    assert tables.spacecraft.attrs["stale_since"]
    from spacedata import plots

    assert "STALE since" in plots.flights_by_agency(tables.wide()).layout.title.subtitle.text
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    assert main(["info", "--source", "live", "--offline"]) == 0
    assert "STALE since" in capsys.readouterr().out


SECRET = "pa55-w0rd-9c1d"


def test_credentials_in_the_base_url_never_land_anywhere(ll2, tmp_path, capsys, caplog):
    caplog.set_level("DEBUG")
    base = ll2.base.replace("http://", f"http://researcher:{SECRET}@")
    out = tmp_path / "snap"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["fetch", "--out", str(out), "--base-url", base, "--quiet"]) == 0
        ll2.quota, ll2.used = 0, 0
        assert (
            main(
                [
                    "fetch",
                    "--out",
                    str(out),
                    "--base-url",
                    base,
                    "--quiet",
                    "--refresh",
                    "--no-quota-check",
                ]
            )
            == 3
        )
        with LL2Client(base, progress=False) as c:
            with pytest.raises(RateLimitError) as err:
                c.fetch("spacecraft", {"in_space": True})
            assert SECRET not in repr(c)
    assert all(s.authorization and s.authorization.startswith("Basic ") for s in ll2.seen)
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"researcher" not in stored and SECRET.encode() not in stored
    df = spacedata.load_spacecraft(out)
    texts = [
        capsys.readouterr().err,
        caplog.text,
        str(err.value),
        str(df.attrs),
        *(str(w.message) for w in caught),
    ]
    assert not [t for t in texts if SECRET in t]


def test_unwritable_cache_warns_once_and_the_sync_goes_on(ll2, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("SPACEDATA_CACHE_DIR", str(blocker / "cache"))
    assert (
        main(
            [
                "fetch",
                "--out",
                str(tmp_path / "snap"),
                "--base-url",
                ll2.base,
                "--quiet",
                "--no-quota-check",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert err.count("cannot be written") == 1 and "will not resume" in err


def test_disk_full_during_a_sync_warns_once_and_the_sync_goes_on(ll2, tmp_path):
    """A real write failure: the process may not grow any file past 1 MB (RLIMIT_FSIZE), so the
    SQLite cache fills up after a few of the 18 pages (7 spacecraft, 11 flights of about 600 kB)
    while each page file still fits."""
    import resource
    import signal

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    env = {**os.environ, "SPACEDATA_BASE_URL": ll2.base}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacedata.cli",
            "fetch",
            "--out",
            str(tmp_path / "snap"),
            "--quiet",
            "--no-quota-check",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        preexec_fn=limit_file_size,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("cannot be written") == 1 and "will not resume" in run.stderr
    assert "Traceback" not in run.stderr
    snap = read_snapshot(tmp_path / "snap")
    assert snap.manifest.complete and snap.endpoints == ("spacecraft", "spacecraft_flights")
    assert max(p.bytes for p in snap.manifest.pages) < 1_000_000
    assert (tmp_path / "cache" / "http_cache.sqlite").stat().st_size <= 1_000_000
    sqlite3.connect(tmp_path / "cache" / "http_cache.sqlite").execute("select 1")


def test_cli_default_source_is_the_latest_snapshot_else_bundled(good, capsys, monkeypatch):
    monkeypatch.setenv("SPACEDATA_DATA_DIR", str(good[0].parent / "data"))
    assert main(["info"]) == 0
    assert "Source:" in (out := capsys.readouterr().out) and "bundled" in out
    out_dir = good[0].parent / "data" / "snapshot"
    out_dir.parent.mkdir(parents=True)
    os.symlink(good[0], out_dir) if False else None  # noqa: B018 - keep the layout real:
    import shutil

    shutil.copytree(good[0], out_dir)
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "Source:" in out and "snapshot" in out and "complete (603 records)" in out


def test_relative_snapshot_directory_loads(good, monkeypatch):
    monkeypatch.chdir(good[0].parent)
    df = spacedata.load_spacecraft(good[0].name)
    assert len(df) == 603 and df.attrs["complete"]


def test_the_real_command_exits_3_in_one_line(good, ll2):
    out, before = good
    ll2.envelope = {99: {"next": None}}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacedata.cli",
            "fetch",
            "--out",
            str(out),
            "--base-url",
            ll2.base,
            "--quiet",
            "--no-quota-check",
            "--refresh",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "SPACEDATA_HTTP_BACKOFF": "0"},
    )
    assert run.returncode == 3 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert tree_digest(out) == before


def test_python_fetch_raises_incomplete_and_keeps_the_snapshot(good, ll2):
    out, before = good
    ll2.junk_offsets = {0}
    with LL2Client(ll2.base, progress=False) as c, pytest.raises(IncompleteError) as err:
        spacedata.fetch(out, client=c, refresh=True, check_quota=False)
    assert "are not records" in str(err.value) and not err.value.partial.complete
    assert tree_digest(out) == before


@pytest.mark.parametrize("exc", [ApiError, NetworkError])
def test_fetch_errors_are_fetch_errors(exc):
    assert issubclass(exc, spacedata.FetchError)


def test_cache_warning_is_a_spacedata_warning():
    assert issubclass(CacheWarning, spacedata.SpacedataWarning)


@pytest.mark.parametrize("odd_id", [[1, 2], {"id": 3}, True, 1.0, "abc"])
def test_records_with_odd_ids_reach_the_quarantine(client, ll2, odd_id):
    ll2.records[300] = dict(ll2.records[300], id=odd_id)
    result = client.fetch("spacecraft")
    assert len(result.records) == 603  # 602 keyed + the odd one, nothing replaced or lost
    tables = spacedata.tidy.build_tables(result.records)
    assert len(tables.spacecraft) + len(tables.rejected) == 603 and len(tables.rejected) == 1


def test_info_reports_quarantined_records(client, ll2, tmp_path, capsys):
    ll2.records[5] = dict(ll2.records[5], id="not-a-number")
    ll2.junk_offsets = {99}
    from spacedata.snapshot_writer import write_snapshot

    write_snapshot(client.fetch("spacecraft"), tmp_path / "s", allow_partial=True)
    assert main(["info", "--snapshot", str(tmp_path / "s.partial")]) == 0
    captured = capsys.readouterr()
    assert "Rejected:       4 record(s) could not be used" in captured.out
    assert "4 of 603 record(s) could not be used and were quarantined" in captured.err


def test_a_versions_directory_that_links_out_of_the_snapshot_is_refused(good, tmp_path):
    """Pages that are symlinks are refused; so are ``versions/`` and ``CURRENT``."""
    import shutil

    from spacedata.errors import SnapshotError

    out, _ = good
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / "versions", elsewhere)
    os.symlink(elsewhere, out / "versions")
    with pytest.raises(SnapshotError, match=r"versions/?.*(link|not a plain directory)"):
        read_snapshot(out)
    os.unlink(out / "versions")
    shutil.move(elsewhere, out / "versions")
    assert read_snapshot(out).manifest.complete
    name = (out / "CURRENT").read_text()
    (tmp_path / "current-elsewhere").write_text(name)
    os.unlink(out / "CURRENT")
    os.symlink(tmp_path / "current-elsewhere", out / "CURRENT")
    with pytest.raises(SnapshotError, match="CURRENT: is a symbolic link"):
        read_snapshot(out)


def docking_event(n: int) -> dict:
    """A record of /docking_event/, as a misconfigured server might serve it as spacecraft."""
    return {
        "id": n,
        "url": f"https://ll.thespacedevs.com/2.3.0/docking_event/{n}/",
        "docking": "2020-05-31T14:16:00Z",
        "departure": "2020-08-01T23:35:00Z",
        "docking_location": {"id": 1, "name": "Harmony Forward"},
        "space_station_target": {"id": 4, "name": "International Space Station"},
        "flight_vehicle_target": None,
        "payload_flight_target": None,
        "flight_vehicle_chaser": {"id": 9, "destination": "International Space Station"},
    }


def test_records_of_another_endpoint_served_as_spacecraft_are_quarantined(real_records):
    from spacedata.errors import RejectedRecordWarning

    events = [docking_event(n) for n in range(1, 243)]
    with pytest.warns(RejectedRecordWarning, match="242 of 242 record.*not a spacecraft record"):
        tables = spacedata.tidy.build_tables(events)
    assert tables.spacecraft.empty and len(tables.rejected) == 242
    assert set(tables.rejected["reason"]) == {
        "not a spacecraft record (no spacecraft_config, name, status or in_space)"
    }
    mixed = [*real_records, *events[:3]]
    with pytest.warns(RejectedRecordWarning, match="3 of 23 record"):
        tables = spacedata.tidy.build_tables(mixed)
    assert len(tables.spacecraft) == 20 and list(tables.rejected["position"]) == [20, 21, 22]
