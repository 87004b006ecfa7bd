"""The spacedata command line, run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from spacedata.cli import main
from spacedata.snapshot import read_snapshot


def test_fetch_info_export_roundtrip(ll2, tmp_path, capsys):
    out = tmp_path / "snap"
    assert main(["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet"]) == 0
    assert "603 of 603 records, complete (verified), 7 pages." in capsys.readouterr().out
    assert read_snapshot(out).manifest.complete

    assert main(["info", "--snapshot", str(out)]) == 0
    info = capsys.readouterr().out
    assert "complete (603 records)" in info and "Launch Library 2 by The Space Devs" in info

    assert (
        main(
            [
                "export",
                "--snapshot",
                str(out),
                "--format",
                "parquet",
                "--out",
                str(tmp_path / "sc.parquet"),
            ]
        )
        == 0
    )
    df = pd.read_parquet(tmp_path / "sc.parquet")
    assert len(df) == 603 and str(df["time_in_space"].dtype).startswith("timedelta64")
    prov = json.loads((tmp_path / "sc.parquet.provenance.json").read_text())
    assert prov["source"] == "snapshot" and prov["complete"] is True

    assert (
        main(
            [
                "export",
                "--source",
                "bundled",
                "--format",
                "csv",
                "--tables",
                "--out",
                str(tmp_path / "csv"),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "agencies.csv",
        "config_families.csv",
        "configurations.csv",
        "families.csv",
        "provenance.json",
        "spacecraft.csv",
    ]


def test_failed_fetch_keeps_the_last_good_snapshot(ll2, tmp_path, capsys):
    out = tmp_path / "snap"
    main(["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet"])
    before = read_snapshot(out).records()
    ll2.quota, ll2.used = 3, 0
    assert (
        main(
            [
                "fetch",
                "--out",
                str(out),
                "--base-url",
                ll2.base,
                "--quiet",
                "--refresh",
                "--no-quota-check",
            ]
        )
        == 3
    )
    err = capsys.readouterr().err
    assert (
        err.startswith("spacedata: incomplete: LL2's rate limit was reached")
        and "Traceback" not in err
    )
    assert read_snapshot(out).records() == before


def test_fetch_refuses_when_quota_is_short(ll2, tmp_path, capsys):
    ll2.quota, ll2.used = 15, 10
    assert main(["fetch", "--out", str(tmp_path / "s"), "--base-url", ll2.base, "--quiet"]) == 1
    assert "needs about 7 calls but only 5 of 15" in capsys.readouterr().err
    assert not (tmp_path / "s").exists() and ll2.spacecraft_requests == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info", "--snapshot", "/nonexistent"], "is not a snapshot"),
        (["fetch", "--param", "colour=red", "--quiet"], "Unknown /spacecraft/ parameter"),
        (["fetch", "--param", "oops", "--quiet"], "write KEY=VALUE"),
    ],
)
def test_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_console_script_runs_offline():
    out = subprocess.run(
        [sys.executable, "-m", "spacedata.cli", "info"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "partial sample: 20 of about 603 records" in out.stdout
