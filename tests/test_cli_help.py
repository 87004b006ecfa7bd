"""Every ``spacedata COMMAND --help`` says what the command really does: run as a user runs it
(the installed console script), each states its defaults as the parser and the code have them.
``serve --help`` once said "(default: the bundled snapshot, offline)" while serve used the best
data available (spacedata.load.best_available)."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spacedata import cli, config
from spacedata.endpoints import DEFAULT_ENDPOINTS

COMMANDS = ("fetch", "diff", "info", "export", "import-captures", "serve", "publish")


def spacedata_command() -> list[str]:
    """The console script beside this Python (the venv's), else ``python -m spacedata.cli``."""
    script = Path(sys.executable).with_name("spacedata")
    if script.is_file():
        return [str(script)]
    found = shutil.which("spacedata")
    return [found] if found else [sys.executable, "-m", "spacedata.cli"]


def run_help(*args: str) -> str:
    done = subprocess.run(
        [*spacedata_command(), *args, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert not done.stderr
    return done.stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def description(text: str) -> str:
    """The paragraph between the usage and the first argument section."""
    body = text.split("\n\n", 1)[1]
    return flat(re.split(r"\n(?:positional arguments|options):", body)[0])


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    return {cmd: run_help(cmd) for cmd in COMMANDS}


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_the_command_list_names_every_command_and_what_it_does():
    text = run_help()
    for cmd in COMMANDS:
        assert re.search(rf"^\s+{cmd}\s+\S", text, re.M) or re.search(
            rf"^\s+{cmd}\n\s+\S", text, re.M
        ), cmd
    assert "bundled snapshot, offline" not in text
    assert "best data available" in flat(text)


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_says_what_it_does_and_every_option_has_help(cmd, helps):
    assert len(description(helps[cmd])) > 60, helps[cmd]
    for action in subparsers()[cmd]._actions:
        assert action.help, f"{cmd} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_default_named_in_a_help_is_the_parsers_default(cmd):
    """Where an option's help says "default: X" or "default X", X is what the parser gives."""
    for action in subparsers()[cmd]._actions:
        said = re.search(r"default:? ([^\s,;:)]+)", action.help or "")
        if said and action.default not in (None, False, [], argparse.SUPPRESS):
            assert said[1].strip("'") in str(action.default).strip("'").split(","), (
                f"{cmd} {action.option_strings}: help says {said[0]!r}, default {action.default!r}"
            )


def test_serve_help_names_the_real_order_of_sources(helps, monkeypatch):
    text = description(helps["serve"])
    assert "bundled snapshot, offline" not in flat(helps["serve"])
    # the order best_available tries (spacedata/load.py), as spacedata/dashboard/data.py's
    # loader_from_env uses it when SPACEDATA_DASHBOARD_SOURCE is unset
    order = [
        "--snapshot (or SPACEDATA_SNAPSHOT)",
        "your latest snapshot from spacedata fetch",
        "a fresh sync, if LL2 answers",
        "else the bundled sample",
    ]
    places = [text.find(part) for part in order]
    assert -1 not in places and places == sorted(places), text
    assert "20 of about 603 spacecraft records" in text  # the sample, said as what it is
    assert "SPACEDATA_REFRESH (default 6h)" in text and "SPACEDATA_DASHBOARD_SOURCE=bundled" in text
    monkeypatch.delenv("SPACEDATA_DASHBOARD_SOURCE", raising=False)
    monkeypatch.delenv("SPACEDATA_REFRESH", raising=False)
    assert config.dashboard_source() == "best" and config.refresh_period("6h") == "6h"
    assert cli._parser().parse_args(["serve"]).snapshot is None


@pytest.mark.parametrize("cmd", ["info", "export"])
def test_reading_commands_say_they_read_local_by_default(cmd, helps):
    text = flat(helps[cmd])
    assert "--source local by default" in text and "else the bundled sample" in text
    assert "live and auto may spend API quota" in text
    args = ["--out", "x.csv"] if cmd == "export" else []
    assert cli._parser().parse_args([cmd, *args]).source == "local"


def test_fetch_help_says_it_spends_quota_and_what_it_reads(helps):
    text = flat(helps["fetch"])
    assert "Spends API quota" in text and "exits 3" in text and "replaces nothing" in text
    for name in DEFAULT_ENDPOINTS:
        assert name in description(helps["fetch"])
    assert cli._parser().parse_args(["fetch"]).endpoints == ",".join(DEFAULT_ENDPOINTS)
