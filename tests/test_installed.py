"""The package as pip users get it: the wheel installed into fresh venvs, run from a directory
outside the repository. Two installs: the core (``pip install ll2-spacedata``: no dev tools, no
pyarrow, no dashboard stack, at most 300 MB of site-packages) and the dashboard
(``pip install 'll2-spacedata[dashboard]'``: ``spacedata serve`` serves the page).

Each venv is built once per run and shared by the xdist workers (a file lock): whichever worker
needs it first builds it, the other waits and reuses it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import venv
from pathlib import Path

import pytest
import requests
from filelock import FileLock

from tests.browser import deep_text, free_port, open_page

#: Installs the wheel into a fresh venv (the `installed` group).
pytestmark = pytest.mark.installed

#: The most a core install may take, pip and setuptools included (issue 20: it was 476 MB with
#: Panel and Bokeh for every user; pandas, numpy and plotly alone are about 220 MB).
CORE_LIMIT_MB = 300
#: What the `dashboard` extra brings and a core install must not have.
DASHBOARD_STACK = ("panel", "bokeh", "param", "tornado")


def _shared_dir(tmp_path_factory) -> Path:
    """This run's temporary directory, the same for every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _venv(tmp_path_factory, wheel: Path, name: str, extra: str = "") -> Path:
    """A fresh venv with the wheel (plus ``extra``, e.g. ``[dashboard]``) and what it needs."""
    root = _shared_dir(tmp_path_factory) / f"installed-{name}"
    with FileLock(f"{root}.lock"):
        done = root / "installed.txt"
        if not done.is_file():
            shutil.rmtree(root, ignore_errors=True)
            venv.create(root / "venv", with_pip=True)
            pip = subprocess.run(
                [str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
                + [f"{wheel}{extra}"],
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert pip.returncode == 0, pip.stderr[-2000:]
            done.write_text(f"{wheel.name}{extra}\n")
    return root / "venv"


@pytest.fixture(scope="module")
def installed(tmp_path_factory, built_wheel) -> Path:
    """``pip install ll2-spacedata``: the core only."""
    return _venv(tmp_path_factory, built_wheel, "core")


@pytest.fixture(scope="module")
def installed_dashboard(tmp_path_factory, built_wheel) -> Path:
    """``pip install 'll2-spacedata[dashboard]'``."""
    return _venv(tmp_path_factory, built_wheel, "dashboard", "[dashboard]")


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


def site_packages_mb(env: Path) -> float:
    """What ``du -sm venv/lib/python3.X/site-packages`` counts: the disk blocks of its files
    (each hard-linked file once), in MiB."""
    (site,) = (env / "lib").glob("python3.*/site-packages")
    seen: set[tuple[int, int]] = set()
    blocks = 0
    for dirpath, dirnames, filenames in os.walk(site):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                blocks += st.st_blocks
    return blocks * 512 / 2**20


def test_core_install_is_small_and_has_no_dev_tools_or_dashboard_stack(installed, tmp_path):
    py = installed / "bin" / "python"
    absent = ("pytest", "playwright", "jupyterlab", "pyarrow", *DASHBOARD_STACK)
    code = f"import importlib.util as u; print([m for m in {absent!r} if u.find_spec(m)])"
    out = subprocess.run(
        [str(py), "-c", code], cwd=tmp_path, env=clean_env(tmp_path), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    size = site_packages_mb(installed)
    print(f"core install: {size:.0f} MB of site-packages")
    assert size <= CORE_LIMIT_MB, f"a core install takes {size:.0f} MB (at most {CORE_LIMIT_MB})"


def test_core_install_loads_offline_draws_a_chart_and_knows_its_name(installed, tmp_path):
    py = installed / "bin" / "python"
    code = (
        "import importlib.metadata as md, spacedata, spacedata.plots as plots\n"
        "print(spacedata.__file__)\n"
        "print(spacedata.__version__ == md.version('ll2-spacedata'), spacedata.__version__)\n"
        "df = spacedata.load_spacecraft('local')\n"
        "fig = plots.time_in_space_distribution(df)\n"
        "print(len(df), type(fig).__name__, len(fig.to_json()) > 1000)\n"
        "print('ll2-spacedata' in spacedata.cite(df))\n"
    )
    out = subprocess.run(
        [str(py), "-c", code], cwd=tmp_path, env=clean_env(tmp_path), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    where, version, chart, cited = out.stdout.splitlines()[:4]
    assert str(installed) in where
    assert version.startswith("True ")
    assert chart == "55 Figure True" and cited == "True"


def test_core_install_commands_work_and_serve_says_what_to_install(installed, tmp_path):
    bin_ = installed / "bin"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(bin_ / "spacedata"), *args], cwd=tmp_path, env=clean_env(tmp_path),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    info = run("info")
    assert info.returncode == 0 and "20 of about 603" in info.stdout, info.stderr
    assert run("--version").stdout.startswith("spacedata ")
    serve = run("serve", "--port", str(free_port()))
    assert serve.returncode == 1 and serve.stdout == "", serve.stdout + serve.stderr
    (line,) = serve.stderr.splitlines()  # one line, no traceback
    assert "pip install 'll2-spacedata[dashboard]'" in line, line


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
    assert "pip install 'll2-spacedata[parquet]'" in parquet.stderr

    cite = run(
        str(bin_ / "python"),
        "-c",
        "import spacedata; print(spacedata.cite(spacedata.load_spacecraft('snap'), 'bibtex'))",
    )
    assert cite.returncode == 0, cite.stderr
    assert cite.stdout.startswith("@misc{") and "603 of 603 records" in cite.stdout


@pytest.fixture(scope="module")
def served(installed_dashboard, tmp_path_factory):
    """``spacedata serve`` from the dashboard install, up (its /liveness answers)."""
    home = tmp_path_factory.mktemp("serve")
    port = free_port()
    log_path = home / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [str(installed_dashboard / "bin" / "spacedata"), "serve", "--port", str(port)],
        cwd=home,
        env=clean_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "no /liveness in 120 s:\n" + log_path.read_text()
            try:
                if requests.get(f"http://127.0.0.1:{port}/liveness", timeout=5).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    assert "Traceback" not in log_path.read_text()


def test_dashboard_install_serves_the_page(served):
    url, log = served
    page = requests.get(f"{url}/spacecraft", timeout=60)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "Serving the spacecraft dashboard" in log.read_text()


@pytest.mark.browser
def test_installed_spacedata_serve_shows_charts(served, chromium):
    url, _ = served
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = open_page(context, f"{url}/spacecraft", charts=6)
    assert page.errors == []
    assert "Partial sample" in deep_text(page.locator(".sd-provenance").first)
    context.close()
