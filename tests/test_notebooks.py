"""Every notebook runs top to bottom with no network, shows its provenance, and is committed clean.
02 and 03 run again on a SYNTHETIC snapshot of 3,000 records chosen through DATA_SOURCE; 05
(flights through time) says there are no flights in the bundled sample and runs its analyses on
a SYNTHETIC snapshot with flights."""

from __future__ import annotations

import json
import time

import nbformat
import pytest
from nbclient import NotebookClient

from spacedata.synthetic import write_synthetic_snapshot
from tests.conftest import ROOT

pytestmark = pytest.mark.notebook
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DEFAULT = 'DATA_SOURCE = "bundled"'
TIMES: dict[str, float] = {}


def run(path, monkeypatch, source: str | None = None):
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")  # the kernel inherits this: no network at all
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and DEFAULT in params[0].source, "one parameters cell sets DATA_SOURCE"
    if source is not None:
        params[0].source = params[0].source.replace(DEFAULT, f"DATA_SOURCE = {source!r}")
    t = time.perf_counter()
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    ).execute()
    TIMES[f"{path.name}{'' if source is None else ' (synthetic)'}"] = time.perf_counter() - t
    return nb


def outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts += [str(v) for v in out.get("data", {}).values()]
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


def test_report_notebook_times():
    """Not a check: prints the execution times measured above (pytest -s shows them)."""
    if TIMES:
        total = sum(TIMES.values())
        print(
            "\nnotebook execution times: " + ", ".join(f"{k} {v:.1f} s" for k, v in TIMES.items())
        )
        print(f"total: {total:.1f} s")
