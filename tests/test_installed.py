"""The package as pip users get it: the wheel installed into a fresh venv without dev extras,
run from a directory outside the repository."""

from __future__ import annotations

import os
import subprocess
import time
import venv
from pathlib import Path

import pytest
import requests

from tests.browser import chromium as _chromium
from tests.browser import deep_text, free_port, open_page

chromium = _chromium  # the shared fixture, under its own name


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
        "print([m for m in ('pytest', 'playwright', 'jupyterlab') if u.find_spec(m)]); "
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
    assert missing == "[]" and str(installed) in where and n == "20"


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
