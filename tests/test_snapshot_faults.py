"""Snapshot integrity under faults: hostile manifests and page paths, claims that the pages do
not bear out, incomplete syncs, readers racing writers, writers killed with SIGKILL.

Manifest and page-path checks run on both formats: 2 (several endpoints under ``endpoints``,
what spacedata writes now) and 1 (one endpoint at the top level, what earlier releases wrote
and the bundled sample is)."""

from __future__ import annotations

import json
import logging
import os
import random
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import spacedata.snapshot as snapshot_mod
from spacedata.errors import SnapshotError
from spacedata.snapshot import bundled_snapshot, read_snapshot
from spacedata.snapshot_writer import partial_path, write_endpoints, write_snapshot
from tests.conftest import ROOT
from tests.snapshot_worker import check_marked, fake_result, marked_records

WORKER = Path(__file__).with_name("snapshot_worker.py")
KILLS = 15


def write(out: Path, marker: int = 0, **kw):
    return write_snapshot(fake_result(marked_records(marker), **kw), out)


def in_part(change):
    """``change`` applied where the endpoint's fields are: ``endpoints.spacecraft``."""
    return lambda m: {
        **m,
        "endpoints": {**m["endpoints"], "spacecraft": change(m["endpoints"]["spacecraft"])},
    }


#: Where an endpoint field is named in messages.
AT = "endpoints.spacecraft."


def files_of(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (but the writers' lock) and its bytes."""
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def edit_manifest(snap, change) -> Path:
    """Rewrite ``snap``'s manifest.json as ``change(dict)`` returns it; returns its path."""
    path = snap.path / "manifest.json"
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return path


def one_line_error(out: Path) -> str:
    with pytest.raises(SnapshotError) as err:
        read_snapshot(out)
    msg = str(err.value)
    assert "\n" not in msg and "Traceback" not in msg and "pydantic" not in msg.lower(), msg
    return msg


def leftovers(out: Path) -> list[str]:
    """What an interrupted write leaves: temp CURRENT files, temp versions, orphan versions."""
    current = (out / "CURRENT").read_text().strip() if (out / "CURRENT").exists() else ""
    found = [p.name for p in out.iterdir() if p.name.startswith(".CURRENT.")]
    versions = out / "versions"
    for p in versions.iterdir() if versions.is_dir() else []:
        if p.name.startswith(".tmp-") or p.name > current:
            found.append(f"versions/{p.name}")
    return found


def with_(**kw):
    return lambda m: {**m, **kw}


def without(key):
    return lambda m: {k: v for k, v in m.items() if k != key}


def page0(**kw):
    return lambda m: {**m, "pages": [{**m["pages"][0], **kw}, *m["pages"][1:]]}


def page0_without(key):
    return lambda m: {
        **m,
        "pages": [{k: v for k, v in m["pages"][0].items() if k != key}, *m["pages"][1:]],
    }


# ---------------------------------------------------------------------- manifest validation


@pytest.mark.parametrize(
    "change, expected",
    [
        (without("records_received"), "records_received: field required"),
        (without("pages"), "pages: field required"),
        (page0_without("sha256"), "pages.0.sha256: field required"),
        (with_(count_reported="603"), "count_reported: input should be a valid integer"),
        (with_(complete=1), "complete: input should be a valid boolean"),
        (lambda m: {**m, "pages": {"0": m["pages"][0]}}, "pages: input should be a valid array"),
        (lambda m: {**m, "pages": [p["file"] for p in m["pages"]]}, "pages.0: input should be an"),
        (with_(params=["in_space"]), "params: input should be an object"),
        (with_(fetched_at="yesterday"), "fetched_at: input should be a valid datetime"),
        (with_(stale_since=12), "stale_since: input should be a valid datetime"),
        (with_(problems="page 3 failed"), "problems: input should be a valid array"),
        (page0(sha256="x" * 64), "pages.0.sha256: string should match pattern"),
        (page0(bytes=-1), "pages.0.bytes: input should be greater than or equal to 0"),
        (page0(bytes=2**26 + 1), "pages.0.bytes: input should be less than or equal to 67108864"),
        (page0(url=None), "pages.0.url: input should be a valid string"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_endpoint_field_is_one_line_naming_file_and_field(tmp_path, change, expected):
    path = edit_manifest(write(tmp_path / "snap"), in_part(change))
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{path}: {AT}") and expected in msg, msg


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda m: [m], "top level: input should be an object"),
        (lambda m: "manifest", "top level: input should be an object"),
        (with_(format=3), "format: format 3 is not one this spacedata reads"),
        (with_(format=1), "format: format 1 is not one this spacedata reads (it reads format 2)"),
        (with_(format="2"), "format: input should be a valid integer"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_manifest_is_one_line_naming_file_and_field(tmp_path, change, expected):
    path = edit_manifest(write(tmp_path / "snap"), change)
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{path}: ") and expected in msg, msg


def _twice(m: dict) -> dict:
    part = m["endpoints"]["spacecraft"]
    return {**m, "endpoints": {**m["endpoints"], "spacecraft_flights": part}}


@pytest.mark.parametrize(
    "change, expected",
    [
        (without("endpoints"), "endpoints: field required"),
        (with_(endpoints={}), "endpoints: a snapshot holds at least one endpoint"),
        (with_(endpoints=[]), "endpoints: input should be an object"),
        (
            lambda m: {**m, "endpoints": {"../up": m["endpoints"]["spacecraft"]}},
            "endpoints: '../up' is not an endpoint name",
        ),
        (_twice, "endpoints: page file 'pages/spacecraft/0001.json' is listed twice"),
        (
            in_part(with_(complete=False, problems=["page 2 failed"])),
            "top level: 'complete' says true but spacecraft is incomplete",
        ),
        (with_(complete=False), "top level: 'complete' says false but every endpoint is complete"),
        (with_(complete="true"), "complete: input should be a valid boolean"),
        (without("credit"), "credit: field required"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_format2_manifest_is_one_line(tmp_path, change, expected):
    path = edit_manifest(write(tmp_path / "snap"), change)
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{path}: ") and expected in msg, msg


@pytest.mark.parametrize("text", [b'{"format": 1,', b'{"format": 2,', b"\xff"])
def test_manifest_that_is_not_json_is_one_line(tmp_path, text):
    snap = write(tmp_path / "snap")
    (snap.path / "manifest.json").write_bytes(text)
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{snap.path / 'manifest.json'}: is not valid JSON"), msg


@pytest.mark.parametrize("bare", [{"format": 2}, {"format": 2, "endpoints": {}}])
def test_several_problems_are_still_one_line(tmp_path, bare):
    edit_manifest(write(tmp_path / "snap"), lambda m: bare)
    assert "(and " in one_line_error(tmp_path / "snap")


def test_bundled_snapshot_loads_unchanged():
    path = ROOT / "data" / "bundled" / "manifest.json"
    before = path.read_bytes()
    snap = bundled_snapshot()
    assert path.read_bytes() == before
    assert snap.manifest.to_json() == before  # the model writes it back byte for byte
    assert len(snap.manifest.problems) == 2 and snap.manifest.stale_since is None
    assert snap.provenance.source == "bundled" and len(snap.records()) == 20
    assert len(snap.records("spacecraft_flights")) == 38
    assert snap.path == snap.location == path.parent


# ----------------------------------------------------------------------------- page paths


@pytest.mark.parametrize(
    "file, expected",
    [
        ("/etc/passwd", "'/etc/passwd' is an absolute path"),
        ("C:/pages/0001.json", "is an absolute path"),
        ("\\\\server\\share\\0001.json", "is an absolute path"),
        ("../outside.json", "leaves the snapshot directory ('..')"),
        ("pages/../../outside.json", "leaves the snapshot directory ('..')"),
        ("pages\\..\\..\\outside.json", "leaves the snapshot directory ('..')"),
        ("pages//0001.json", "is not a plain relative path"),
        ("pages/.0001.json", "is not a plain relative path"),
        ("pages/0001.json\nGotcha", "is not a plain relative path"),
        ("", "is not a plain relative path"),
    ],
)
def test_page_path_outside_or_odd_is_refused(tmp_path, file, expected):
    path = edit_manifest(write(tmp_path / "snap"), in_part(page0(file=file)))
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{path}: {AT}pages.0.file: ") and expected in msg, msg


def _symlink_inside(page: Path) -> None:
    copy = page.with_name("copy.json")
    copy.write_bytes(page.read_bytes())  # same bytes: the checksum would pass
    page.unlink()
    page.symlink_to(copy.name)


def _symlinked_pages_dir(page: Path) -> None:
    real = page.parent.with_name("real_pages")
    page.parent.rename(real)
    page.parent.symlink_to(real.name, target_is_directory=True)


def _fifo(page: Path) -> None:
    page.unlink()
    os.mkfifo(page)


def _directory(page: Path) -> None:
    page.unlink()
    page.mkdir()


def _device(page: Path) -> None:
    page.unlink()
    try:
        os.mknod(page, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
    except (PermissionError, AttributeError):
        pytest.skip("cannot create a device node here")


@pytest.mark.timeout(20)  # a FIFO that were opened would block forever
@pytest.mark.parametrize(
    "damage, expected",
    [
        (_symlink_inside, "is a symbolic link, not a regular file"),
        (_symlinked_pages_dir, "is below {dir}/, which is a symbolic link, not a plain directory"),
        pytest.param(
            _fifo,
            "is a named pipe (FIFO), not a regular file",
            marks=pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs"),
        ),
        (_device, "is a device, not a regular file"),
        (_directory, "is a directory, not a regular file"),
        (lambda page: page.unlink(), "is missing"),
        (lambda page: page.write_bytes(page.read_bytes() + b" "), "but manifest.json says"),
        (lambda page: page.write_bytes(page.read_bytes()[:-1]), "but manifest.json says"),
    ],
    ids=["symlink-inside", "symlinked-dir", "fifo", "device", "directory", "missing", "longer",
         "shorter"],
)  # fmt: skip
def test_page_that_is_not_a_plain_file_is_refused(tmp_path, damage, expected):
    snap = write(tmp_path / "snap")
    page = snap.path / snap.manifest.pages[0].file
    assert page.parent.name == "spacecraft"
    damage(page)
    msg = one_line_error(tmp_path / "snap")
    expected = expected.format(dir=page.parent.name)
    assert msg.startswith(f"{page}: ") and expected in msg, msg


def test_symlinked_current_or_version_is_refused(tmp_path):
    snap = write(tmp_path / "snap")
    current = tmp_path / "snap" / "CURRENT"
    (tmp_path / "elsewhere").write_text(current.read_text())
    current.unlink()
    current.symlink_to(tmp_path / "elsewhere")
    assert one_line_error(tmp_path / "snap").startswith(f"{current}: is a symbolic link")
    current.unlink()
    current.write_text(snap.path.name + "\n")
    snap.path.rename(tmp_path / "moved")
    snap.path.symlink_to(tmp_path / "moved", target_is_directory=True)
    assert one_line_error(tmp_path / "snap").startswith(f"{snap.path}: is a symbolic link, not")


def test_current_naming_no_version_is_refused(tmp_path):
    write(tmp_path / "snap")
    (tmp_path / "snap" / "CURRENT").write_text("../../etc\n")
    assert "not a snapshot version" in one_line_error(tmp_path / "snap")
    (tmp_path / "snap" / "CURRENT").write_text("00000099-20261125T080000Z\n")
    assert "is missing but" in one_line_error(tmp_path / "snap")


def test_pages_are_read_with_a_hard_size_cap(tmp_path, monkeypatch):
    snap = write(tmp_path / "snap")
    monkeypatch.setattr(snapshot_mod, "MAX_PAGE_BYTES", 100)
    page = snap.path / "pages" / "spacecraft" / "0001.json"
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{page}: is over the 100-byte limit"), msg


def test_a_page_growing_after_the_size_check_is_read_only_up_to_its_bound(tmp_path, monkeypatch):
    snap = write(tmp_path / "snap")
    page = snap.path / "pages" / "spacecraft" / "0001.json"
    claimed = page.stat().st_size
    page.write_bytes(b" " * 1_000_000)  # grows after the manifest; lstat is made to lie below
    real_lstat, real_read, read = os.lstat, os.read, []

    def lstat(path, *a, **kw):
        st = real_lstat(path, *a, **kw)
        if Path(path) == page:
            st = os.stat_result((*st[:6], claimed, *st[7:10]))
        return st

    def counted_read(fd, n):
        chunk = real_read(fd, n)
        read.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(os, "read", counted_read)
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{page}: is {claimed + 1} bytes or more but manifest.json says")
    assert read[-1] <= claimed + 1 and sum(read) < 20_000  # never the whole megabyte


# ---------------------------------------------------------------------------------- claims


def test_records_received_must_match_the_pages(tmp_path):
    snap = write(tmp_path / "snap", 3)
    n = len(snap.records())
    path = edit_manifest(snap, in_part(with_(records_received=n + 1)))
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{path}: {AT}records_received says {n + 1} but its pages hold {n}")


def test_complete_claim_must_match_the_pages(tmp_path):
    snap = write(tmp_path / "snap", 3)
    n = len(snap.records())
    where = f"{snap.path / 'manifest.json'}: {AT.rstrip('.')}: "
    edit_manifest(snap, in_part(with_(count_reported=9999)))
    msg = one_line_error(tmp_path / "snap")
    assert msg.startswith(f"{where}claims complete (9999 records) but its pages hold {n}"), msg
    edit_manifest(snap, in_part(with_(count_reported=None)))
    assert f"claims complete (no count) but its pages hold {n}" in one_line_error(tmp_path / "snap")


def test_incomplete_snapshot_may_report_any_count(tmp_path):
    snap = write(tmp_path / "snap", 3)
    part = in_part(with_(count_reported=9999, complete=False))
    edit_manifest(snap, lambda m: {**part(m), "complete": False})
    prov = read_snapshot(tmp_path / "snap").provenance
    assert prov.count == 9999 and not prov.complete and prov.records == len(snap.records())


def test_writer_refuses_claims_its_pages_do_not_bear_out(tmp_path):
    write(tmp_path / "snap", 1)
    before = files_of(tmp_path / "snap")
    body = fake_result(marked_records(2)).pages[0].content
    with pytest.raises(SnapshotError, match="Not written: the new snapshot does not verify") as e:
        write_endpoints(
            tmp_path / "snap",
            {
                "spacecraft": (
                    [body],
                    ["test://"],
                    {
                        "endpoint": "test://",
                        "params": None,
                        "fetched_at": None,
                        "count_reported": 9999,
                        "records_received": 4,
                        "complete": True,
                    },
                )
            },
            {"source": "test"},
        )
    assert "claims complete (9999 records)" in str(e.value) and "\n" not in str(e.value)
    assert files_of(tmp_path / "snap") == before and leftovers(tmp_path / "snap") == []


def test_writer_refuses_a_bad_field_naming_it(tmp_path):
    with pytest.raises(SnapshotError, match="records_received: field required"):
        write_endpoints(
            tmp_path / "s",
            {"spacecraft": ([], [], {"endpoint": "t", "params": None, "fetched_at": None,
                                     "count_reported": 0, "complete": False})},
            {"source": "t"},
        )  # fmt: skip
    assert not (tmp_path / "s").exists()


# ------------------------------------------------------------------------ incomplete syncs


def test_incomplete_sync_is_refused_and_nothing_changes(tmp_path):
    out = tmp_path / "snap"
    write(out, 1)
    before = files_of(out)
    partial = fake_result(marked_records(2), count=603, problems=["page 4 answered 502"])
    with pytest.raises(SnapshotError) as err:
        write_snapshot(partial, out)
    msg = str(err.value)
    assert msg.startswith("Not written: the sync is incomplete (page 4 answered 502)")
    assert "allow_partial=True" in msg and str(partial_path(out)) in msg and "\n" not in msg
    assert files_of(out) == before and not partial_path(out).exists()
    with pytest.raises(SnapshotError, match="arrived of 603 reported"):
        write_snapshot(fake_result(marked_records(2), count=603), tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_allow_partial_keeps_it_beside_and_out_untouched(tmp_path, caplog):
    out = tmp_path / "snap"
    write(out, 1)
    before = files_of(out)
    stale = fake_result(marked_records(2)).fetched_at
    partial = fake_result(
        marked_records(2), count=603, problems=["page 4 answered 502"], stale_since=stale
    )
    with caplog.at_level(logging.WARNING, logger="spacedata"):
        snap = write_snapshot(partial, out, allow_partial=True)
    assert partial_path(out) == tmp_path / "snap.partial"
    assert snap.location == partial_path(out) and snap.path.parent == partial_path(out) / "versions"
    assert files_of(out) == before and check_marked(read_snapshot(out)) == 1
    again = read_snapshot(partial_path(out))
    assert again.manifest.problems == ["page 4 answered 502"] and not again.manifest.complete
    assert again.provenance.stale_since == stale and again.provenance.count == 603
    assert again.provenance.location == str(partial_path(out))
    assert "Incomplete sync" in caplog.text and str(partial_path(out)) in caplog.text


# -------------------------------------------------------------- leftovers, writers, readers


def test_leftovers_of_killed_writes_are_cleaned_and_never_read(tmp_path, caplog):
    out = tmp_path / "snap"
    snap = write(out, 1)
    current = snap.path.name
    (out / "versions" / ".tmp-999-dead" / "pages").mkdir(parents=True)
    (out / "versions" / ".tmp-999-dead" / "manifest.json").write_text("{")
    (out / ".CURRENT.999-dead.tmp").write_text("00000007-20261125T080000Z")
    orphan = out / "versions" / f"{int(current[:8]) + 1:08d}-20991231T000000Z"
    orphan.mkdir()  # renamed into place, never made current
    (out / "manifest.json").write_text("{}")  # a flat snapshot a conversion did not finish
    (out / "pages" / "spacecraft").mkdir(parents=True)
    (out / "pages" / "spacecraft" / "0001.json").write_text("{}")
    assert check_marked(read_snapshot(out)) == 1  # readers follow CURRENT only
    with caplog.at_level(logging.INFO, logger="spacedata"):
        write(out, 2)
    assert "Removed leftovers of an interrupted snapshot write" in caplog.text
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == ["CURRENT", "versions"]
    assert leftovers(out) == [] and len(list((out / "versions").iterdir())) == 2


def test_reader_rereads_current_when_its_version_is_deleted_mid_read(tmp_path, monkeypatch, caplog):
    out = tmp_path / "snap"
    write(out, 1)
    real, busy = snapshot_mod._read_file, []

    def read_file(root, rel, **kw):
        if rel == "pages/spacecraft/0002.json" and not busy:
            busy.append(1)
            write(out, 2)
            write(out, 3)  # deletes version 1, which this read is in the middle of
        return real(root, rel, **kw)

    monkeypatch.setattr(snapshot_mod, "_read_file", read_file)
    with caplog.at_level(logging.DEBUG, logger="spacedata"):
        snap = read_snapshot(out)
    assert check_marked(snap) == 3 and "was replaced while being read" in caplog.text


def test_concurrent_writers_take_turns(tmp_path):
    out = tmp_path / "snap"
    errors = []

    def writer(base: int) -> None:
        try:
            for k in range(8):
                write(out, base + k)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(b,)) for b in (100, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    name = (out / "CURRENT").read_text().strip()
    assert int(name[:8]) == 16  # every write got its own version number
    assert leftovers(out) == [] and len(list((out / "versions").iterdir())) == 2
    assert check_marked(read_snapshot(out)) in (107, 207)


def test_readers_never_see_a_half_written_snapshot(tmp_path):
    """A reader process loops over read_snapshot(out).records() while 40 writes replace it."""
    out, stop = tmp_path / "snap", tmp_path / "stop"
    write(out, 0)
    reader = subprocess.Popen(
        [sys.executable, str(WORKER), "read-loop", str(out), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert reader.stdout.readline() == "ready\n", reader.stderr.read()
        for k in range(1, 41):
            write(out, k)
        stop.touch()
        summary = json.loads(reader.stdout.readline())
    finally:
        stop.touch()
        reader.wait(timeout=30)
    print(f"reader: {summary['reads']} reads, {len(summary['markers'])} versions seen, "
          f"{summary['retries']} re-reads of CURRENT")  # fmt: skip
    assert summary["errors"] == []  # no missing manifest or page, no sha mismatch, no mix
    assert summary["reads"] >= 10 and len(summary["markers"]) >= 2
    assert check_marked(read_snapshot(out)) == 40


def _spawn_writer(out: Path, first: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), "write-loop", str(out), str(first)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_kill_9_at_random_instants_leaves_a_loadable_snapshot(tmp_path, caplog):
    """A writer process is SIGKILLed ``KILLS`` times, each at a random instant after its first
    write; every time the snapshot loads and verifies, and the next write cleans what the kill
    left."""
    rng = random.Random(20261125)
    out = tmp_path / "snap"
    write(out, 0)
    markers, mid_write = [], 0
    pending = _spawn_writer(out, 1000)
    for i in range(KILLS):
        proc = pending
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
        # the next writer imports while this one runs, so kills come quickly one after another
        pending = _spawn_writer(out, (i + 2) * 1000) if i + 1 < KILLS else None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == f"wrote {(i + 1) * 1000}\n", proc.stderr.read()
        time.sleep(rng.uniform(0.0, 0.03))  # then a random instant of the writes that follow
        proc.kill()  # SIGKILL: no cleanup, no finally, no atexit
        proc.wait(timeout=10)
        proc.stdin.close()
        proc.stdout.close()
        assert proc.stderr.read() == ""  # it was killed while writing, not failing
        proc.stderr.close()
        mid_write += bool(leftovers(out))
        markers.append(check_marked(read_snapshot(out)))  # loads and verifies
    print(f"{KILLS} kills, {mid_write} mid-write, {len(set(markers))} versions seen, "
          f"current {(out / 'CURRENT').read_text().strip()}")  # fmt: skip
    # every writer wrote at least once before its kill, so each left its own version current
    assert [m // 1000 for m in markers] == list(range(1, KILLS + 1))
    with caplog.at_level(logging.INFO, logger="spacedata"):
        write(out, 1)
    assert leftovers(out) == [] and len(list((out / "versions").iterdir())) <= 2
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == ["CURRENT", "versions"]
    assert check_marked(read_snapshot(out)) == 1
