"""The spacedata command line, run as a user would run it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from spacedata.cli import main
from spacedata.snapshot import read_snapshot


def test_fetch_info_export_roundtrip(ll2, tmp_path, capsys):
    out = tmp_path / "snap"
    assert main(["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(
        "Plan: spacecraft 603 records (7 pages), spacecraft flights 1,085 records (11 pages); "
        "needs 18 calls; 10000 left now.\n"
    ), printed
    assert (
        "spacecraft 603 of 603 records (7 pages), spacecraft_flights 1,085 of 1,085 records "
        "(11 pages); complete (verified)." in printed
    )
    assert read_snapshot(out).manifest.complete and ll2.used == 18

    assert main(["info", "--snapshot", str(out)]) == 0
    info = capsys.readouterr().out
    assert "complete (603 records)" in info and "Launch Library 2 by The Space Devs" in info
    assert "Flights:        1,085 listed (1,085 flown, 0 planned); complete (1085 records)" in info
    assert "Consistency:    Checked: flights_count against the flights listed agree" in info

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
        "flights.csv",
        "provenance.json",
        "rejected.csv",  # the records that could not be used: none in the sample
        "spacecraft.csv",
    ]
    assert pd.read_csv(tmp_path / "csv" / "rejected.csv").empty
    meta_rejected = json.loads((tmp_path / "csv" / "provenance.json").read_text())["rejected"]
    assert meta_rejected["records"] == 0 and meta_rejected["table"] == "rejected.csv"
    flights_csv = pd.read_csv(tmp_path / "csv" / "flights.csv")
    assert len(flights_csv) == 38 and "launch_net" in flights_csv.columns  # the sample's
    assert flights_csv["flown"].sum() == 27 and "launch_net_precision" in flights_csv.columns
    crafts_csv = pd.read_csv(tmp_path / "csv" / "spacecraft.csv")
    assert crafts_csv["seen_in"].value_counts().to_dict() == {
        "spacecraft_flights": 35,
        "spacecraft": 20,
    }
    meta = json.loads((tmp_path / "csv" / "provenance.json").read_text())
    assert any("known only from their flights" in n for n in meta["notes"])

    assert (
        main(
            [
                "export",
                "--snapshot",
                str(out),
                "--flights",
                "--format",
                "parquet",
                "--out",
                str(tmp_path / "fl.parquet"),
            ]
        )
        == 0
    )
    flights = pd.read_parquet(tmp_path / "fl.parquet")
    assert len(flights) == 1085 and str(flights["launch_net"].dtype) == "datetime64[ns, UTC]"
    assert flights["agency_abbrev"].notna().all()
    prov = json.loads((tmp_path / "fl.parquet.provenance.json").read_text())
    assert prov["count"] == 1085 and prov["endpoint"] == "spacecraft_flights"


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


def test_fetch_with_the_quota_short_reads_what_fits_and_says_when_to_run_again(
    ll2, tmp_path, capsys
):
    """Was: refused outright (exit 1) when a whole sync did not fit. Now it plans, reads the
    5 calls' worth that fit (never provoking a 429), exits 3 and says when to come back."""
    ll2.quota, ll2.used = 15, 10
    assert main(["fetch", "--out", str(tmp_path / "s"), "--base-url", ll2.base, "--quiet"]) == 3
    captured = capsys.readouterr()
    assert "needs 18 calls; 5 left now; the other 13 after about" in captured.out
    err = captured.err.strip()
    assert err.startswith("spacedata: incomplete: LL2's quota ran out before the sync finished")
    assert re.search(r"Run `spacedata fetch` again after \d\d:\d\d UTC", err)
    assert "--wait" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "s").exists() and ll2.used == 15  # exactly the calls left
    assert len(ll2.page_requests) == 5  # no request went past the quota


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


def test_output_piped_into_a_reader_that_stops_early_ends_quietly():
    """``spacedata info | head -1``: once the reader has gone, the command stops without an
    error line (it printed "spacedata: error: [Errno 32] Broken pipe") and exits as a program
    stopped by SIGPIPE would (141)."""
    import os

    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line is written
    try:
        out = subprocess.run(
            [sys.executable, "-m", "spacedata.cli", "info"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert out.stderr == ""
    assert out.returncode == 141
