"""The package as pip users get it: the wheel installed into a fresh venv without extras (no dev
tools, no pyarrow), run from a directory outside the repository."""

from __future__ import annotations

import os
import subprocess
import time
import venv
from pathlib import Path

import pytest
import requests

from tests.browser import deep_text, free_port, open_page

#: Installs the wheel into a fresh venv (the `installed` group); one venv for the module.
pytestmark = pytest.mark.installed


@pytest.fixture(scope="module")
def installed(tmp_path_factory, built_wheel) -> Path:
    """A fresh venv with only the wheel (and its runtime dependencies) installed."""
    tmp = tmp_path_factory.mktemp("installed")
    wheel = built_wheel
    venv.create(tmp / "venv", with_pip=True)
    pip = subprocess.run(
        [str(tmp / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    return tmp / "venv"


def clean_env(home: Path) -> dict[str, str]:
    """No PYTHONPATH or repo on the path: only what the wheel installed."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {
        **keep,
        "HOME": str(home),
        "SPACEDATA_DATA_DIR": str(home / "data"),
        "SPACEDATA_CACHE_DIR": str(home / "cache"),
        "SPACEDATA_OFFLINE": "1",
    }


def test_installed_package_has_no_dev_tools_and_loads_offline(installed, tmp_path):
    py = installed / "bin" / "python"
    code = (
        "import importlib.util as u, spacedata; "
        "print([m for m in ('pytest', 'playwright', 'jupyterlab', 'pyarrow') if u.find_spec(m)]); "
        "print(spacedata.__file__); print(len(spacedata.load_spacecraft('local')))"
    )
    out = subprocess.run(
        [str(py), "-c", code],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    missing, where, n = out.stdout.split("\n")[:3]
    assert missing == "[]" and str(installed) in where and n == "55"


@pytest.mark.browser
def test_installed_spacedata_serve_shows_charts(installed, tmp_path, chromium):
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(installed / "bin" / "spacedata"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if requests.get(f"http://127.0.0.1:{port}/liveness", timeout=5).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        page = open_page(context, f"http://127.0.0.1:{port}/spacecraft", charts=6)
        assert page.errors == []
        assert "Partial sample" in deep_text(page.locator(".sd-provenance").first)
        context.close()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_installed_package_fetches_exports_and_cites(installed, tmp_path, ll2):
    """pip users' whole path, outside the repository: fetch from an LL2-like server, export
    CSV (and a clear line for Parquet without pyarrow), cite."""
    bin_ = installed / "bin"
    env = {**clean_env(tmp_path), "SPACEDATA_BASE_URL": ll2.base}
    env.pop("SPACEDATA_OFFLINE")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )

    fetch = run(str(bin_ / "spacedata"), "fetch", "--out", "snap")
    assert fetch.returncode == 0, fetch.stdout + fetch.stderr
    assert len(ll2.spacecraft_requests) == 7 and len(ll2.flights_requests) == 11

    export = run(str(bin_ / "spacedata"), "export", "--snapshot", "snap", "--out", "sc.csv")
    assert export.returncode == 0, export.stderr
    header = (tmp_path / "sc.csv").read_text().splitlines()[0]
    assert header.startswith("id,") and "time_in_space" in header
    sidecar = (tmp_path / "sc.csv.provenance.json").read_text()
    assert '"complete": true' in sidecar and str(tmp_path) not in sidecar

    parquet = run(str(bin_ / "spacedata"), "export", "--snapshot", "snap", "--out", "sc.parquet")
    assert parquet.returncode == 1 and "Traceback" not in parquet.stderr
    assert "pip install 'spacedata[parquet]'" in parquet.stderr

    cite = run(
        str(bin_ / "python"),
        "-c",
        "import spacedata; print(spacedata.cite(spacedata.load_spacecraft('snap'), 'bibtex'))",
    )
    assert cite.returncode == 0, cite.stderr
    assert cite.stdout.startswith("@misc{") and "603 of 603 records" in cite.stdout
