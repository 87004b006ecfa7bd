"""Every notebook runs top to bottom with no network, shows its provenance, and is committed clean.
02 and 03 run again on a SYNTHETIC snapshot of 3,000 records chosen through DATA_SOURCE; 05
(flights through time) says there are no flights in the bundled sample and runs its analyses on
a SYNTHETIC snapshot with flights. Each notebook says where the bundled sample came from (and
the bundled snapshot is what it says); 01's fetch-then-load advice works as written against a
fake LL2 with the free quota, and 01 exports and cites; 03 says why the sample shows no reuse.
The classroom copies are tested in test_classroom.py, HTML export in test_notebook_html.py."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from spacedata import plots
from spacedata.synthetic import write_synthetic_snapshot
from tests.conftest import ROOT

pytestmark = pytest.mark.notebook
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DEFAULT = 'DATA_SOURCE = "bundled"'


def run(path, monkeypatch, source: str | None = None, cwd=None):
    """Execute the notebook at ``path`` offline (``source``: what DATA_SOURCE is set to; ``cwd``:
    the kernel's working directory, default notebooks/, as in JupyterLab)."""
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")  # the kernel inherits this: no network at all
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and DEFAULT in params[0].source, "one parameters cell sets DATA_SOURCE"
    if source is not None:
        params[0].source = params[0].source.replace(DEFAULT, f"DATA_SOURCE = {source!r}")
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd or ROOT / "notebooks")}},
    ).execute()
    return nb


PLOTLY_MIME = "application/vnd.plotly.v1+json"


def outputs_text(nb) -> str:
    """Every output's text, each chart once (its plotly mimetype; the HTML beside it draws the
    same figure), without the plotly.js library the first chart of a session carries."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            if PLOTLY_MIME in data:
                data = {PLOTLY_MIME: data[PLOTLY_MIME]}
            elif "plotly.js v" in data.get("text/html", "")[:1000]:
                continue
            parts += [str(v) for v in data.values()]
    return "\n".join(parts)


def test_there_are_five_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_getting_started.ipynb",
        "02_flights_and_time_in_space.ipynb",
        "03_reuse_and_turnaround.ipynb",
        "04_classroom.ipynb",
        "05_flights_through_time.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_offline_and_shows_provenance(path, monkeypatch):
    nb = run(path, monkeypatch)
    text = outputs_text(nb)
    assert "Source: bundled sample snapshot" in text and "partial sample: 20 of about 603" in text
    assert "Launch Library 2 by The Space Devs" in text
    assert "bundled sample" in nb.cells[0].source  # the top says which data it runs on


@pytest.mark.parametrize(
    "name", ["02_flights_and_time_in_space.ipynb", "03_reuse_and_turnaround.ipynb"]
)
def test_analyses_run_on_a_larger_synthetic_snapshot(name, tmp_path, monkeypatch):
    snap = write_synthetic_snapshot(3000, tmp_path / "synthetic", seed=7)
    nb = run(ROOT / "notebooks" / name, monkeypatch, source=str(snap.path))
    text = outputs_text(nb)
    assert "SYNTHETIC snapshot" in text and "3,000 spacecraft shown" in text


FLIGHTS_NOTEBOOK = ROOT / "notebooks" / "05_flights_through_time.ipynb"
FIGURES = ("Flights per year, by agency", "Time in space accumulated", "Turnaround of reused")


def test_flights_notebook_on_the_bundled_sample_says_there_are_no_flights(monkeypatch):
    text = outputs_text(run(FLIGHTS_NOTEBOOK, monkeypatch))
    assert "Flights:    Source: bundled sample snapshot" in text
    assert "holds no flight records" in text and "spacedata fetch --wait" in text
    assert text.count("No flight records in this source") == 4  # each figure: one message
    assert all(title in text for title in FIGURES)
    assert "flights shown" in text and "spacecraft shown" not in text


def test_flights_notebook_runs_on_a_synthetic_flights_snapshot(tmp_path, monkeypatch):
    snap = write_synthetic_snapshot(300, tmp_path / "synthetic", seed=7, flights=True)
    n = len(snap.records("spacecraft_flights"))
    text = outputs_text(run(FLIGHTS_NOTEBOOK, monkeypatch, source=str(snap.path)))
    assert "Flights:    Source: SYNTHETIC snapshot" in text and f"complete ({n} records)" in text
    assert "SYNTHETIC data: made-up flights" in text
    assert f"{n:,} flights shown" in text and "rolling median" in text
    assert all(title in text for title in FIGURES)
    assert "No flight records in this source" not in text and "median days" in text


def test_classroom_solutions_are_collapsed():
    nb = nbformat.read(ROOT / "notebooks" / "04_classroom.ipynb", as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == 4
    assert all(c.metadata["jupyter"]["source_hidden"] for c in solutions)


# ----------------------------------------------------------------- an honest sample, 01 and 03

CHART_NOTEBOOKS = [p for p in NOTEBOOKS if p.stem[:2] in ("02", "03", "04", "05")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_top_of_each_notebook_says_where_the_sample_came_from(path, real_records):
    top = nbformat.read(path, as_version=4).cells[0].source
    for fact in ("development host", "lldev.thespacedevs.com", "offset 30", "default order"):
        assert fact in top
    assert "offset 300 ordered by most flights first" in top and "flew exactly once" in top
    # ... and that is what the bundled snapshot holds: two pages, those URLs, 20 single flights.
    from spacedata.snapshot import bundled_snapshot

    urls = [p.url for p in bundled_snapshot().manifest.endpoints["spacecraft"].pages]
    assert [u.split("?", 1)[1] for u in urls] == [
        "format=api&offset=30",
        "format=api&offset=300&ordering=-flights_count",
    ]
    assert all(u.startswith("https://lldev.thespacedevs.com/2.3.0/") for u in urls)
    assert len(real_records) == 20 and {r["flights_count"] for r in real_records} == {1}


@pytest.mark.parametrize("path", CHART_NOTEBOOKS, ids=lambda p: p.stem)
def test_chart_notebooks_use_a_renderer_that_survives_html_export(path):
    """plotly's JupyterLab mimetype plus HTML with plotly.js embedded (no CDN); the browser test
    in test_notebook_html.py checks the exported HTML draws offline."""
    nb = nbformat.read(path, as_version=4)
    setup = next(c.source for c in nb.cells if "spacedata.load_tables(DATA_SOURCE" in c.source)
    assert "plots.use_notebook_renderer()" in setup
    assert plots.NOTEBOOK_RENDERER == "plotly_mimetype+notebook"


def test_reuse_notebook_says_why_the_sample_shows_no_reuse(monkeypatch, tmp_path):
    path = ROOT / "notebooks" / "03_reuse_and_turnaround.ipynb"
    nb = run(path, monkeypatch)
    why = next(c.source for c in nb.cells if c.source.startswith("## Why the bundled sample"))
    for fact in ("301–310", "ordering=-flights_count", "What the full data shows instead"):
        assert fact in why
    text = outputs_text(nb)
    assert "0 of 20 spacecraft in this data flew more than once" in text
    assert "nothing to show on this data" in text
    snap = write_synthetic_snapshot(300, tmp_path / "synthetic", seed=7)
    text = outputs_text(run(path, monkeypatch, source=str(snap.path)))
    reused = sum(r["flights_count"] > 1 for r in snap.records())
    assert reused and f"{reused} of 300 spacecraft in this data flew more than once" in text
    assert "nothing to show on this data" not in text


def test_getting_started_exports_and_cites(monkeypatch):
    text = outputs_text(run(ROOT / "notebooks" / "01_getting_started.ipynb", monkeypatch))
    lines = text.splitlines()
    assert "spacecraft.csv" in lines and "spacecraft.csv.provenance.json" in lines
    assert any(line.startswith("tables/") and line.endswith(".csv") for line in lines)
    assert "@misc{" in text and "Launch Library 2" in text
    assert "partial sample" in text  # the citation says what was loaded: 20 of about 603


def test_the_fetch_then_load_advice_works_as_written(ll2, tmp_path, monkeypatch):
    """Notebook 01's advice, followed to the letter against a fake LL2 with the free quota (15
    calls an hour; a whole fetch needs 18): `spacedata fetch --out my-snapshot` alone stops at
    the quota and writes nothing (why the old advice failed); with --wait it finishes, and the
    notebook then loads `DATA_SOURCE = "my-snapshot"` (from its own folder) and "snapshot"."""
    from spacedata import load
    from spacedata.cli import main

    nb = nbformat.read(ROOT / "notebooks" / "01_getting_started.ipynb", as_version=4)
    advice = next(c.source for c in nb.cells if c.source.startswith("## Fetch a snapshot"))
    for said in (
        "spacedata fetch --wait\n",
        'DATA_SOURCE = "snapshot"',
        "cd notebooks",
        "spacedata fetch --wait --out my-snapshot",
        'DATA_SOURCE = "my-snapshot"',
    ):
        assert said in advice
    ll2.quota = 15
    monkeypatch.setattr(load, "_sleep", ll2.advance)  # --wait sleeps on the fake's clock
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    notebooks = tmp_path / "project" / "notebooks"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)  # `cd notebooks`

    assert main(["fetch", "--out", "my-snapshot"]) == 3  # no --wait: stops at the quota
    assert not (notebooks / "my-snapshot").exists()
    assert main(["fetch", "--wait", "--out", "my-snapshot"]) == 0
    assert main(["fetch", "--wait"]) == 0  # into the user data dir (SPACEDATA_DATA_DIR here)

    path = ROOT / "notebooks" / "01_getting_started.ipynb"
    for source in ("my-snapshot", "snapshot"):
        text = outputs_text(run(path, monkeypatch, source=source, cwd=notebooks))
        assert "Source: fetched snapshot" in text and "complete (603 records)" in text
