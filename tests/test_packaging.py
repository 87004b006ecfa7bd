"""Packaging: the dependency metadata is true (every imported package declared, conda and pip
lists agree on names and floors, pyarrow optional, the dashboard stack an extra the core never
imports); the wheel is ``ll2-spacedata`` (the name ``spacedata`` on PyPI is another project's)
and carries the bundled snapshot, ``py.typed`` and the pip users' description."""

from __future__ import annotations

import ast
import email
import functools
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from tests.conftest import ROOT

#: conda-forge names that differ from the PyPI ones.
CONDA_NAMES = {"python-build": "build", "python-duckdb": "duckdb"}
#: What a pip extra (``pkg[extra]``) pulls in, as the separate conda-forge package it is there.
CONDA_EXTRAS = {"mkdocstrings[python]": "mkdocstrings-python"}
#: The standard library of the newest Python the tests know about (tomllib: 3.11).
STDLIB = set(sys.stdlib_module_names) | {"__future__", "tomllib"}
#: Import names whose distribution is named differently, or not installed on every Python.
IMPORT_NAMES = {"yaml": "pyyaml", "PIL": "pillow", "tomli": "tomli"}
#: The distribution's name on the package index (``import spacedata`` stays the module's).
DIST = "ll2-spacedata"
#: What the `dashboard` extra brings and the core must never need (import names).
DASHBOARD_STACK = ("panel", "bokeh", "param", "tornado")
#: The extras pip users are told about, besides `dev` and the publishing ones.
USER_EXTRAS = ("dashboard", "lab", "parquet", "all")


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split(spec: str) -> tuple[str, str | None]:
    """``"pandas>=2.2"`` -> ``("pandas", "2.2")``; no ``>=`` floor -> None."""
    name = _canon(re.split(r"[<>=!~ ;\[]", spec, maxsplit=1)[0].strip())
    floor = re.search(r">=\s*([^,;\s]+)", spec)
    return name, floor.group(1) if floor else None


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _declared(*groups: str) -> set[str]:
    """Distribution names of the runtime dependencies plus these extras."""
    project = _project()
    specs = list(project["dependencies"])
    for group in groups:
        specs += project["optional-dependencies"][group]
    return {_split(s)[0] for s in specs}


def test_environment_yml_matches_pyproject_names_and_floors():
    project = _project()
    pip: dict[str, str | None] = {}
    implied: set[str] = set()
    for spec in project["dependencies"] + [
        s for extra in project["optional-dependencies"].values() for s in extra
    ]:
        name, floor = _split(spec)
        assert pip.setdefault(name, floor) == floor, f"{name}: two floors in pyproject.toml"
        for pattern, conda_pkg in CONDA_EXTRAS.items():
            if spec.replace(" ", "").startswith(pattern):
                implied.add(conda_pkg)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda: dict[str, str | None] = {}
    for spec in env["dependencies"]:
        if not isinstance(spec, str):
            continue
        name, floor = _split(spec)
        if name in ("python", "pip") or name in implied:
            continue
        conda[CONDA_NAMES.get(name, name)] = floor
    assert set(conda) == set(pip), (
        f"only in environment.yml: {sorted(set(conda) - set(pip))}; "
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}"
    )
    differ = {n: (pip[n], conda[n]) for n in pip if pip[n] != conda[n]}
    assert not differ, f"floors differ (pyproject, environment.yml): {differ}"
    python = next(s for s in env["dependencies"] if isinstance(s, str) and s.startswith("python"))
    assert _split(python)[1] == project["requires-python"].removeprefix(">=")


def _imports(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level names of the modules ``paths`` import, as ``{"module": ..., "lazy": ...}``:
    ``module`` at module level (needed to import the file), ``lazy`` inside functions."""
    found: dict[str, set[str]] = {"module": set(), "lazy": set()}
    local = {p.stem for p in paths} | {"spacedata", "tests", "dashboards", "benchmarks", "tools"}
    for path in paths:
        tree = ast.parse(path.read_text(), str(path))
        lazy_nodes = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in STDLIB or top in local:
                    continue
                found["lazy" if id(node) in lazy_nodes else "module"].add(top)
    return found


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    """importlib.metadata.packages_distributions(), read once: it scans every installed
    distribution's file list (about a quarter of a second a call here)."""
    return importlib.metadata.packages_distributions()


def _distribution(module: str) -> str:
    if module in IMPORT_NAMES:
        return IMPORT_NAMES[module]
    dists = _packages_distributions().get(module)
    if dists:
        return _canon(dists[0])
    try:  # a wheel without top_level.txt (Python 3.10 reads only that): the import name
        return _canon(importlib.metadata.distribution(_canon(module)).metadata["Name"])
    except importlib.metadata.PackageNotFoundError:
        raise AssertionError(f"{module} is imported but not installed here") from None


def _core_and_dashboard_files() -> tuple[list[Path], list[Path]]:
    """spacedata/'s modules: the core (everything a plain install imports) and the dashboard's
    (spacedata/dashboard/, which the `dashboard` extra makes importable)."""
    files = sorted((ROOT / "spacedata").rglob("*.py"))
    dash = ROOT / "spacedata" / "dashboard"
    return [f for f in files if dash not in f.parents], [f for f in files if dash in f.parents]


def test_every_package_spacedata_imports_is_declared():
    core_files, dashboard_files = _core_and_dashboard_files()
    core, dashboard = _imports(core_files), _imports(dashboard_files)
    runtime = _declared()
    with_dashboard = _declared("dashboard")
    everything = _declared("all")
    undeclared = {m for m in core["module"] if _distribution(m) not in runtime}
    assert not undeclared, f"imported when spacedata loads but not in dependencies: {undeclared}"
    undeclared = {m for m in dashboard["module"] if _distribution(m) not in with_dashboard}
    assert not undeclared, f"spacedata.dashboard imports these, not in [dashboard]: {undeclared}"
    lazy = core["lazy"] | dashboard["lazy"]
    nowhere = {m for m in lazy if _distribution(m) not in everything}
    assert not nowhere, f"imported by spacedata/ but in no dependency list: {nowhere}"
    assert "pyarrow" not in runtime, "pyarrow is the `parquet` extra, not a runtime dependency"


def test_the_core_needs_no_dashboard_stack():
    """A plain install has no Panel, Bokeh, param or tornado: no module outside
    spacedata/dashboard/ imports them when it loads (``spacedata serve`` imports them when it
    runs), and they are the `dashboard` extra, not dependencies."""
    core_files, _ = _core_and_dashboard_files()
    for path in core_files:
        at_load = _imports([path])["module"] & set(DASHBOARD_STACK)
        assert not at_load, f"{path.relative_to(ROOT)} imports {at_load} when it loads"
    runtime = _declared()
    assert not runtime & set(DASHBOARD_STACK), "the dashboard stack is an extra"
    assert set(DASHBOARD_STACK) <= _declared("dashboard")


def test_extras_all_holds_every_user_extra_and_dev_what_the_tests_need():
    extras = _project()["optional-dependencies"]
    assert set(USER_EXTRAS) <= set(extras)
    specs = {name: {_split(s) for s in group} for name, group in extras.items()}
    for name in ("dashboard", "lab", "parquet", "publish", "s3"):
        assert specs[name] <= specs["all"], f"[all] lacks some of [{name}]"
    for name in ("dashboard", "lab", "parquet", "publish", "s3"):
        assert specs[name] <= specs["dev"], f"[dev] lacks some of [{name}]"


#: Blocks the dashboard stack in a subprocess, as a plain install lacks it (an import raises
#: ModuleNotFoundError), then runs the rest of the code.
NO_DASHBOARD = (
    "import sys\n"
    + "".join(f"sys.modules[{m!r}] = None\n" for m in DASHBOARD_STACK)
    + "import warnings; warnings.simplefilter('error')\n"
)


def _run_without_dashboard(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NO_DASHBOARD + code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**__import__("os").environ, "SPACEDATA_OFFLINE": "1"},
    )


def test_every_core_module_imports_and_charts_draw_without_panel():
    core_files, _ = _core_and_dashboard_files()
    names = sorted(
        ".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for f in core_files
    )
    code = (
        "import importlib\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "import spacedata, spacedata.plots as plots\n"
        "df = spacedata.load_spacecraft('bundled')\n"
        "fig = plots.time_in_space_distribution(df)\n"
        "print(len(df), type(fig).__name__, len(fig.to_json()) > 1000)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{DASHBOARD_STACK!r} and sys.modules[m] is not None))\n"
        "from spacedata._static import MODULES, PAGE_CSS; print(MODULES['picker'].is_file())\n"
    )
    out = _run_without_dashboard(code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines() == ["55 Figure True", "[]", "True"]


def test_importing_the_dashboard_without_its_extra_says_what_to_install():
    """In JupyterLab on a core install, ``import spacedata.dashboard`` names the extra (it was
    a bare "No module named 'panel'"); still a ModuleNotFoundError, for code that catches it."""
    code = (
        "try:\n    import spacedata.dashboard\n"
        "except ModuleNotFoundError as exc:\n    print(type(exc).__name__, exc.name, '|', exc)\n"
    )
    out = _run_without_dashboard(code)
    assert out.returncode == 0, out.stderr[-3000:]
    (line,) = out.stdout.splitlines()
    assert line.startswith("ModuleNotFoundError panel | "), line
    assert "pip install 'll2-spacedata[dashboard]'" in line, line


def test_serve_without_the_dashboard_extra_says_what_to_install_in_one_line():
    code = "from spacedata.cli import main\nsys.exit(main(['serve', '--port', '0']))\n"
    out = _run_without_dashboard(code)
    assert out.returncode == 1 and out.stdout == "", out.stdout + out.stderr
    (line,) = out.stderr.splitlines()
    assert "pip install 'll2-spacedata[dashboard]'" in line and "Traceback" not in line
    # the other commands do not need it
    info = _run_without_dashboard("from spacedata.cli import main\nsys.exit(main(['info']))\n")
    assert info.returncode == 0 and "20 of about 603" in info.stdout, info.stderr[-3000:]


def test_every_package_the_tests_and_benchmarks_import_is_declared():
    paths = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    found = _imports(paths)
    dev = _declared("dev")
    missing = {m for m in found["module"] | found["lazy"] if _distribution(m) not in dev}
    assert not missing, f"imported by tests/ or benchmarks/ but not in the dev extra: {missing}"


def test_spacedata_loads_without_pyarrow():
    """The core (load, tidy, plots) works without the `parquet` extra."""
    code = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.compute'] = None\n"
        "import warnings; warnings.simplefilter('error')\n"
        "import spacedata, spacedata.plots\n"
        "t = spacedata.load_tables('bundled')\n"
        "print(len(t.spacecraft), t.spacecraft['time_in_space'].notna().sum())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    n, with_time = out.stdout.split()
    assert n == "55" and int(with_time) > 0  # 20 spacecraft records + 35 from flights


def test_wheel_ships_the_bundled_snapshot_and_loads_it_elsewhere(tmp_path, built_wheel):
    wheel = built_wheel
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    bundled = {"manifest.json", "pages/spacecraft/0001.json", "pages/spacecraft_flights/0001.json"}
    assert {f"spacedata/_bundled/{name}" for name in bundled} <= names
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
    assert location == str(tmp_path / "site" / "spacedata" / "_bundled") and n == "55"


def test_wheel_metadata_is_written_for_pip_users(built_wheel):
    with zipfile.ZipFile(built_wheel) as zf:
        names = set(zf.namelist())
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_string(zf.read(meta_name).decode())
    assert meta["Name"] == DIST and meta_name.startswith("ll2_spacedata-")
    assert "spacedata/__init__.py" in names  # imported as spacedata
    assert "spacedata/py.typed" in names  # typed package (PEP 561)
    body = meta.get_payload()
    assert meta["Description-Content-Type"] == "text/markdown"
    assert body.strip() == (ROOT / "README-pypi.md").read_text().strip()
    for section in ("## Install", "## Load", "## Fetch", "## Serve", "## Cite"):
        assert section in body
    assert "Two commands" not in body and "make test" not in body  # not the developer README
    assert meta.get_all("Project-URL"), "no project URLs"
    requires = meta.get_all("Requires-Dist")
    assert not [r for r in requires if r.startswith("pyarrow") and "extra ==" not in r]
    assert any(r.startswith("pyarrow") and "extra == 'parquet'" in r for r in requires)
    for module in DASHBOARD_STACK:  # only with the extra
        mine = [r for r in requires if _split(r)[0] == module]
        assert mine and all("extra ==" in r for r in mine), (module, mine)
        assert any("extra == 'dashboard'" in r for r in mine), module
    assert set(USER_EXTRAS) <= set(meta.get_all("Provides-Extra"))
    # what pip users are told to install is this distribution, with extras that exist
    for extra in re.findall(r"ll2-spacedata\[([a-z,]+)\]", body):
        assert set(extra.split(",")) <= set(meta.get_all("Provides-Extra")), extra
    assert "pip install ll2-spacedata" in body
    assert not re.search(r"pip install ['\"]?spacedata\b", body), "that is another project"


def test_version_comes_from_the_installed_metadata():
    import spacedata

    assert spacedata.__version__ == importlib.metadata.version(DIST) == _project()["version"]
    # a source tree nobody installed (no site-packages: -S) reads pyproject.toml's
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import spacedata; print(spacedata.__version__)"
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd="/", timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == _project()["version"]


def _make_n(*args: str) -> str:
    """What ``make`` would run (``-n -B``: every step, nothing run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        ["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout


def test_make_dashboard_installs_the_dashboard_extra_and_make_test_the_dev_extras():
    dashboard = _make_n("dashboard")
    assert "pip install -e '.[dashboard]'\n" in dashboard and "[dev]" not in dashboard
    assert "'.[dev]'" in _make_n("test")
    assert "'.[dashboard]'" not in _make_n("run")  # spacedata info needs the core only


def test_make_lab_takes_a_port_and_runs_as_root():
    lab = _make_n("lab", "PORT=8899")
    assert "--port 8899" in lab and "--ip 127.0.0.1" in lab and "--allow-root" in lab
    assert "--port 8888" in _make_n("lab")


def test_make_test_lowest_resolves_the_lowest_direct_versions():
    lowest = _make_n("test-lowest")
    assert "--resolution lowest-direct" in lowest and ".venv-lowest" in lowest
