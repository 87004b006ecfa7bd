"""Notebook execution times: prints figures, asserts nothing. Run: python benchmarks/bench_notebooks.py

Each notebook in ``notebooks/`` runs top to bottom offline (``SPACEDATA_OFFLINE=1``, the cache
and data directories in a temporary folder) on the bundled sample, as ``make test`` runs them;
then 02 and 03 on a SYNTHETIC snapshot of 3,000 spacecraft and 05 on a SYNTHETIC snapshot of 300
spacecraft with flights (chosen through ``DATA_SOURCE`` in the parameters cell). Printed: the
wall time of each run (kernel start included) and the total. (Moved here from the test suite,
where it printed without checking anything.)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from spacedata.synthetic import write_synthetic_snapshot  # noqa: E402

DEFAULT = 'DATA_SOURCE = "bundled"'


def run(path: Path, source: str | None = None) -> float:
    """Seconds to execute ``path`` (with ``DATA_SOURCE`` set to ``source`` if given)."""
    nb = nbformat.read(path, as_version=4)
    if source is not None:
        for cell in nb.cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = cell.source.replace(DEFAULT, f"DATA_SOURCE = {source!r}")
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    ).execute()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(  # the kernels inherit these: no network, nothing of the user's
            SPACEDATA_OFFLINE="1",
            SPACEDATA_CACHE_DIR=str(Path(tmp) / "cache"),
            SPACEDATA_DATA_DIR=str(Path(tmp) / "data"),
        )
        times: dict[str, float] = {}
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            times[path.name] = run(path)
            print(f"{path.name}: {times[path.name]:.1f} s", flush=True)
        big = write_synthetic_snapshot(3000, Path(tmp) / "synthetic", seed=7)
        flights = write_synthetic_snapshot(300, Path(tmp) / "flights", seed=7, flights=True)
        for name, snap in (
            ("02_flights_and_time_in_space.ipynb", big),
            ("03_reuse_and_turnaround.ipynb", big),
            ("05_flights_through_time.ipynb", flights),
        ):
            key = f"{name} (synthetic)"
            times[key] = run(ROOT / "notebooks" / name, str(snap.path))
            print(f"{key}: {times[key]:.1f} s", flush=True)
        print(f"total: {sum(times.values()):.1f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
