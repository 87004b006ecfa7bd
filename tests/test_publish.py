"""spacedata publish (issue 21): an immutable release per version, latest.json written last,
a no-op republish, incomplete snapshots refused unless marked partial, a publish killed with
SIGKILL at several points leaves readers on the old version, and the scheduled-sync workflow."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import spacedata
from spacedata.cli import main
from spacedata.errors import SnapshotError
from spacedata.publishing import LATEST, PublishError, publish
from spacedata.snapshot import read_snapshot
from tests.snapshots21 import complete_snapshot

ROOT = Path(__file__).resolve().parent.parent


def latest_of(dest: Path) -> dict:
    return json.loads((dest / LATEST).read_text())


def test_a_release_holds_the_snapshot_byte_for_byte_and_ready_tables(tmp_path):
    store = complete_snapshot(tmp_path / "snap")
    snap = read_snapshot(store)
    dest = tmp_path / "pub"
    done = publish(dest, store)
    assert done.complete and done.latest and done.written > 10
    release = dest / done.version
    assert (release / "manifest.json").read_bytes() == (snap.path / "manifest.json").read_bytes()
    for entry in snap.manifest.pages:
        assert (release / entry.file).read_bytes() == (snap.path / entry.file).read_bytes()
    assert latest_of(dest)["version"] == done.version
    assert latest_of(dest)["manifest_sha256"] == snap.manifest_sha256
    wide = pd.read_parquet(release / "tables" / "parquet" / "spacecraft.parquet")
    assert len(wide) == 20 and spacedata.provenance_of(wide).complete
    csv = (release / "tables" / "csv" / "spacecraft.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("id,")
    assert "description" in (release / "dictionary.csv").read_text()
    citation = (release / "CITATION.txt").read_text()
    assert done.version in citation and str(tmp_path) not in citation  # no local path
    leaks = [p for p in dest.rglob("*") if p.is_file() and str(tmp_path).encode() in p.read_bytes()]
    assert not leaks  # no file of a release holds the publisher's local paths
    listed = json.loads((release / "release.json").read_text())["files"]
    for rel, entry in listed.items():
        assert hashlib.sha256((release / rel).read_bytes()).hexdigest() == entry["sha256"]


def test_republishing_is_a_no_op_and_latest_never_moves_back(tmp_path):
    store, dest = tmp_path / "snap", tmp_path / "pub"
    complete_snapshot(store, 1)
    first = publish(dest, store)
    stamp = (dest / LATEST).stat().st_mtime_ns
    again = publish(dest, store)
    assert again.written == 0 and again.version == first.version
    assert (dest / LATEST).stat().st_mtime_ns == stamp
    complete_snapshot(store, 2)
    second = publish(dest, store)
    assert latest_of(dest)["version"] == second.version > first.version
    older = tmp_path / "old"
    complete_snapshot(older, 1)
    back = publish(dest, older)
    assert back.written == 0 and not back.latest
    assert latest_of(dest)["version"] == second.version


def test_incomplete_snapshots_are_refused_unless_marked_partial(tmp_path, capsys):
    store, dest = tmp_path / "snap", tmp_path / "pub"
    complete_snapshot(store, 1, complete=False)
    with pytest.raises(PublishError, match="incomplete.*--allow-partial"):
        publish(dest, store)
    assert not dest.exists()
    assert main(["publish", str(dest), "--snapshot", str(store)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--allow-partial" in err
    assert main(["publish", str(dest), "--snapshot", str(store), "--allow-partial"]) == 0
    assert "PARTIAL" in capsys.readouterr().out
    latest = latest_of(dest)
    assert latest["complete"] is False and latest["version"].endswith("-partial")


def test_publish_to_a_file_url_and_read_it_back(tmp_path):
    store = complete_snapshot(tmp_path / "snap")
    done = publish((tmp_path / "pub").as_uri(), store)
    tables = spacedata.load_tables((tmp_path / "pub").as_uri())
    prov = tables.provenance
    assert prov.published_version == done.version and prov.complete
    assert prov.published_url == (tmp_path / "pub").as_uri()
    assert done.version in spacedata.cite(tables)


def test_a_damaged_snapshot_is_not_published(tmp_path):
    store = complete_snapshot(tmp_path / "snap")
    page = next(read_snapshot(store).path.glob("pages/spacecraft/0001.json"))
    page.write_bytes(page.read_bytes().replace(b"v1", b"v9"))
    with pytest.raises(SnapshotError, match="0001.json"):
        publish(tmp_path / "pub", store)
    assert not (tmp_path / "pub").exists()


PUBLISH_STEPWISE = """
import sys
import spacedata.publishing as p
put = p._Store.put
def stepwise(self, rel, data, whole=False):  # says what it wrote, then waits for a go
    put(self, rel, data, whole)
    print(rel, flush=True)
    sys.stdin.readline()
p._Store.put = stepwise
p.publish(sys.argv[1], sys.argv[2])
"""


@pytest.mark.parametrize("after", [1, 5, 12, 20, 24])
def test_a_publish_killed_mid_way_leaves_readers_on_the_old_version(tmp_path, after):
    """SIGKILL after ``after`` files of the new version (24: all of it, the manifest last,
    but not latest.json): latest.json still names the old version, which reads whole; a later
    publish completes the new one."""
    store, dest = tmp_path / "snap", tmp_path / "pub"
    complete_snapshot(store, 1)
    old = publish(dest, store)
    complete_snapshot(store, 2)
    script = tmp_path / "slow.py"
    script.write_text(PUBLISH_STEPWISE)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(dest), str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        for n in range(1, after + 1):
            written = proc.stdout.readline().strip()
            assert written and written != LATEST, f"the publish ended before the kill ({n})"
            if n < after:
                proc.stdin.write("go\n")
                proc.stdin.flush()
        if after == 24:
            assert written == f"{new_version(store)}/manifest.json"
        os.kill(proc.pid, signal.SIGKILL)  # while it waits: nothing more was written
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert latest_of(dest)["version"] == old.version
    assert spacedata.load_tables(dest.as_uri()).provenance.published_version == old.version
    new = publish(dest, store)
    assert new.version != old.version and new.written > 0
    assert spacedata.load_tables(dest.as_uri()).provenance.published_version == new.version


# ------------------------------------------------------------------- the scheduled sync


def new_version(store: Path) -> str:
    from spacedata.publishing import version_of

    return version_of(read_snapshot(store))


def test_the_sync_workflow_fetches_waiting_then_publishes_within_the_free_quota():
    from spacedata.endpoints import DEFAULT_ENDPOINTS
    from spacedata.quota import estimate

    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "sync.yml").read_text())
    on = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert on["schedule"][0]["cron"] and "workflow_dispatch" in on
    steps = [s for job in flow["jobs"].values() for s in job["steps"]]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "spacedata fetch --wait" in runs and "spacedata publish" in runs
    assert runs.index("spacedata fetch --wait") < runs.index("spacedata publish")
    job = next(iter(flow["jobs"].values()))
    # a full sync needs more than the 15 free calls of one hour: the job must be able to wait
    # out the hour (--wait), so its timeout covers more than one quota window
    calls = sum(estimate(DEFAULT_ENDPOINTS).values())
    assert calls > 15
    assert job["timeout-minutes"] >= 60 * (calls // 15 + 1)
    assert "concurrency" in flow  # never two syncs spending one quota


def test_a_destination_that_cannot_be_written_is_one_line(tmp_path, capsys):
    store = complete_snapshot(tmp_path / "snap")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["publish", str(blocker / "pub"), "--snapshot", str(store)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Could not publish to" in err
    assert "readers stay on" in err


def test_publish_without_a_fetched_snapshot_says_what_to_run(tmp_path, capsys):
    assert main(["publish", str(tmp_path / "pub")]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "spacedata fetch" in err
    assert not (tmp_path / "pub").exists()


def test_the_workflow_scripts_publish_to_a_gh_pages_branch(tmp_path):
    """The workflow's own shell steps, run with bash against a local bare repository as
    origin (the sync step's fetch replaced by a written snapshot): a first run creates
    gh-pages, a second adds the next version; the branch is one commit holding both."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "sync.yml").read_text())
    steps = {s.get("name", ""): s.get("run", "") for s in flow["jobs"]["sync"]["steps"]}
    checkout = next(v for k, v in steps.items() if k.startswith("Check out the published"))
    push = next(v for k, v in steps.items() if k.startswith("Push the release"))
    sync = next(v for k, v in steps.items() if k.startswith("Sync"))
    assert "spacedata fetch --wait" in sync
    publish_only = sync.split("&&", 1)[1].strip()  # the fetch needs LL2: a snapshot stands in
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run([*git, "init", "-q", str(work)], check=True)
    (work / "README").write_text("project\n")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    for cmd in (
        ["add", "README"],
        [*ident, "commit", "-qm", "start"],
        ["remote", "add", "origin", str(origin)],
        ["push", "-q", "origin", "HEAD:main"],
    ):
        subprocess.run(["git", *cmd], cwd=work, check=True)
    store = tmp_path / "snap"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "spacedata").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m spacedata.cli "$@" --snapshot "{store}"\n'
    )
    (bindir / "spacedata").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    versions = []
    for n in (1, 2):
        complete_snapshot(store, n)
        shutil.rmtree(work / "site", ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=work, check=True)
        for script in (checkout, publish_only, push):
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],  # as Actions
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stderr
        versions.append(read_snapshot(store).manifest_sha256[:12])
    show = ["git", "--git-dir", str(origin)]
    latest = json.loads(subprocess.check_output([*show, "show", "gh-pages:data/latest.json"]))
    assert latest["version"].endswith(versions[1])
    tree = subprocess.check_output([*show, "ls-tree", "--name-only", "gh-pages:data"], text=True)
    assert sum(v in tree for v in versions) == 2 and ".nojekyll" in subprocess.check_output(
        [*show, "ls-tree", "--name-only", "gh-pages"], text=True
    )
    log = subprocess.check_output([*show, "log", "--oneline", "gh-pages"], text=True)
    assert len(log.splitlines()) == 1
