"""Shared fixtures. No test reaches the internet: pytest-socket allows loopback hosts only
(``--allow-hosts`` in pyproject.toml), and SPACEDATA_BASE_URL points at a closed local port
unless a test points it at the fake LL2 server."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from spacedata.client import LL2Client
from spacedata.snapshot import bundled_snapshot
from spacedata.snapshot_writer import write_endpoints
from spacedata.synthetic import REALISTIC_FLIGHTS, flights_for, resample
from tests.browser import DashboardServer, chromium_path, chromium_problem, launch_chromium
from tests.ll2fake import FakeLL2

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
TOKEN = "sk-test-9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def pytest_report_header(config) -> str:
    problem = chromium_problem()
    return f"chromium: {chromium_path()}" if problem is None else f"chromium: {problem[0]}"


#: The slow groups, by the fixture that makes a test slow: a test that asks for one is in its
#: group whether or not its module says so (``make test-fast`` leaves these groups out).
SLOW_FIXTURES = {"chromium": "browser", "installed": "installed"}


def pytest_collection_modifyitems(config, items) -> None:
    """Mark each test by the slow fixtures it uses (see SLOW_FIXTURES), so none of them runs
    in ``make test-fast`` by accident; modules mark themselves too (``pytestmark``)."""
    for item in items:
        for fixture, marker in SLOW_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(marker):
                item.add_marker(marker)


def pytest_runtest_setup(item) -> None:
    """Browser tests without a usable Chromium: skipped, all under one summary line (this
    call's), before their servers start; a failure instead in CI or for a bad
    SPACEDATA_CHROMIUM (see tests.browser.chromium_problem)."""
    if item.get_closest_marker("browser") is None:
        return
    problem = chromium_problem()
    if problem is not None:
        message, fail = problem
        if fail:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Each test gets its own cache and data dirs and no key, snapshot or offline setting."""
    for var in ("SPACEDATA_API_TOKEN", "SPACEDATA_SNAPSHOT", "SPACEDATA_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SPACEDATA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPACEDATA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPACEDATA_BASE_URL", "http://127.0.0.1:9/2.3.0/")  # closed port
    monkeypatch.setenv("SPACEDATA_HTTP_BACKOFF", "0")  # retries without real sleeps
    if "spacedata.load" in sys.modules:  # "auto"'s back-off (LL2 unreachable) is per test
        monkeypatch.setattr(sys.modules["spacedata.load"], "_unreachable", {})


@pytest.fixture(scope="session")
def real_records() -> list[dict]:
    """The 20 real spacecraft records of the bundled snapshot's spacecraft pages."""
    return bundled_snapshot().records("spacecraft")


def spacecraft_only_snapshot(out: Path) -> Path:
    """The bundled sample's two real spacecraft pages alone, as a flat snapshot at ``out``
    (source ``captures``): a real source that holds no flights."""
    snap = bundled_snapshot()
    part = snap.manifest.part("spacecraft")
    fields = part.model_dump(exclude={"pages"})
    bodies = [(snap.path / p.file).read_bytes() for p in part.pages]
    write_endpoints(
        out,
        {"spacecraft": (bodies, [p.url for p in part.pages], fields)},
        {"source": "captures"},
        layout="flat",
    )
    return out


@pytest.fixture
def no_flights_source(tmp_path) -> Path:
    """A snapshot of the 20 real spacecraft records and no flights (see above)."""
    return spacecraft_only_snapshot(tmp_path / "spacecraft-only")


@pytest.fixture(scope="session")
def fake_records(real_records) -> tuple[list[dict], list[dict]]:
    """603 SYNTHETIC spacecraft resampled from the real ones, with about as many flights as the
    live endpoints hold (1,085), consistent with their flights_count. Copy before changing."""
    crafts = resample(real_records, 603, seed=1, flights=REALISTIC_FLIGHTS)
    return crafts, flights_for(crafts, seed=1)


@pytest.fixture
def ll2(httpserver, fake_records) -> FakeLL2:
    """A fake LL2 on 127.0.0.1 holding 603 spacecraft (resampled from the real ones) and their
    1,085 flights (SYNTHETIC; ``ll2.flights``): a full sync costs 7 + 11 calls."""
    crafts, flights = fake_records
    fake = FakeLL2(records=[dict(r) for r in crafts], flights=[dict(f) for f in flights])
    fake.base = httpserver.url_for("/2.3.0/")
    httpserver.expect_request(re.compile(r"/2\.3\.0/.*")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def client(ll2) -> LL2Client:
    """A client aimed at the fake, with instant backoff and no progress bar."""
    with LL2Client(ll2.base, backoff_factor=0, retries=2, progress=False) as c:
        yield c


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, launched once per run (per xdist worker); each test opens
    its own context (``chromium.new_context(...)``) and closes it."""
    problem = chromium_problem()
    if problem is not None:
        message, fail = problem
        if fail:
            pytest.fail(message)
        pytest.skip(message)
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def bundled_dashboard():
    """``spacedata serve`` on the bundled sample (LL2 unreachable: tests.browser.SAFE_ENV), one
    server for every test that only reads it. A test that needs a fresh server (its first page,
    its log from the start) or other settings starts its own DashboardServer."""
    with DashboardServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """The project's wheel, built once per test run (no isolation: the venv has hatchling)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("ll2_spacedata-*.whl"))
