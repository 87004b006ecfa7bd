"""Packaging: the conda and pip dependency lists agree; the wheel carries the bundled snapshot."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import tomllib
import yaml

from tests.conftest import ROOT

CONDA_NAMES = {"python-build": "build"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0].strip().lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = {_name(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {
        CONDA_NAMES.get(_name(s), _name(s))
        for s in env["dependencies"]
        if isinstance(s, str) and _name(s) not in ("python", "pip")
    }
    assert conda == pip


def test_wheel_ships_the_bundled_snapshot_and_loads_it_elsewhere(tmp_path, built_wheel):
    wheel = built_wheel
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert {"spacedata/_bundled/manifest.json", "spacedata/_bundled/pages/0001.json"} <= names
    assert "spacedata/_static/plotly-cartesian-3.1.0.min.js" in names  # the dashboard's plotly.js
    code = (
        "import spacedata, pathlib; df = spacedata.load_spacecraft('bundled');"
        "print(pathlib.Path(spacedata.__file__).parent); print(df.attrs['location']); print(len(df))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    pkg, location, n = out.stdout.split()
    assert pkg == str(tmp_path / "site" / "spacedata")
    assert location == str(tmp_path / "site" / "spacedata" / "_bundled") and n == "20"
