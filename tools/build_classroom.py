"""Build the classroom notebook's two copies from its one source, with nbconvert; and the
self-checks' stored answers (fingerprints) from its teacher solutions.

    python tools/build_classroom.py [--source notebooks/04_classroom.ipynb] [--out build/classroom]

writes ``OUT/student/04_classroom.ipynb`` (the cells tagged ``solution`` or ``teacher`` removed by
nbconvert's TagRemovePreprocessor: hand this one out) and ``OUT/teacher/04_classroom.ipynb``
(every cell, the solutions shown instead of collapsed). Both without outputs. ``make classroom``
runs it; tests/test_classroom.py checks the result and executes both copies.

    python tools/build_classroom.py --answers

runs the source notebook's code cells (the solutions included, the self-check cells not) on the
bundled sample, in this process, and writes ``spacedata/_classroom_answers.py``: fingerprints
(``spacedata.classroom``: salted hashes of rounded values) of each ``answer_<n>`` and of a few
common mistakes the hints name, plus one of the data. Run it after changing a solution or the
bundled sample; tests/test_classroom.py fails until you do.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pprint
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks" / "04_classroom.ipynb"
OUT = ROOT / "build" / "classroom"
ANSWERS = ROOT / "spacedata" / "_classroom_answers.py"
#: Cells with these tags are removed from the student copy.
TEACHER_ONLY = ("solution", "teacher")


class ShowSolutions(Preprocessor):
    """Expand the collapsed solution cells (the teacher's copy)."""

    def preprocess_cell(self, cell, resources, index):
        if "solution" in cell.metadata.get("tags", []):
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
            if not cell.metadata.get("jupyter", True):
                del cell.metadata["jupyter"]
        return cell, resources


def export(source: Path, role: str) -> str:
    """The ``role`` ("student" or "teacher") copy of ``source``, as notebook JSON."""
    c = Config()
    c.ClearOutputPreprocessor.enabled = True
    if role == "student":
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = set(TEACHER_ONLY)
    exporter = NotebookExporter(config=c)
    if role == "teacher":
        exporter.register_preprocessor(ShowSolutions, enabled=True)
    body, _ = exporter.from_filename(str(source))
    nbformat.validate(nbformat.reads(body, as_version=4))
    return body


def build(source: Path = SOURCE, out: Path = OUT) -> dict[str, Path]:
    """Write both copies under ``out``; returns {"student": path, "teacher": path}."""
    written = {}
    for role in ("student", "teacher"):
        target = out / role / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(export(source, role), encoding="utf-8")
        written[role] = target
    return written


def teacher_answers(source: Path = SOURCE) -> dict:
    """Run the source notebook's code cells but the self-checks, in order, on the bundled sample
    (``DATA_SOURCE`` forced to "bundled", no network); returns the namespace they leave
    (``df``, ``answer_1`` ... ``answer_4``)."""
    import plotly.io as pio

    nb = nbformat.read(source, as_version=4)
    namespace: dict = {"__name__": "__classroom__"}
    before, renderer = os.environ.get("SPACEDATA_OFFLINE"), pio.renderers.default
    os.environ["SPACEDATA_OFFLINE"] = "1"
    try:
        for cell in nb.cells:
            if cell.cell_type != "code" or "self-check" in cell.metadata.get("tags", []):
                continue
            with contextlib.redirect_stdout(io.StringIO()):  # what the cells print is not ours
                exec(compile(cell.source, f"<{source.name}>", "exec"), namespace)  # noqa: S102 (our notebook)
            if "parameters" in cell.metadata.get("tags", []):
                namespace["DATA_SOURCE"] = "bundled"
    finally:
        pio.renderers.default = renderer  # the notebook sets its own
        if before is None:
            os.environ.pop("SPACEDATA_OFFLINE", None)
        else:
            os.environ["SPACEDATA_OFFLINE"] = before
    return namespace


def derive_answers(source: Path = SOURCE) -> dict:
    """The stored form of the teacher's answers on the bundled sample (what ``--answers``
    writes): the data's fingerprint and, per exercise, the answer's and some mistakes'."""
    import pandas as pd

    from spacedata import classroom as c

    ns = teacher_answers(source)
    df = ns["df"]
    a1, a2, a3, a4 = (ns[f"answer_{n}"] for n in c.EXERCISES)
    counts = {k: v for k, v in a1.items() if v != 0}
    hours = dict(a2.items())
    totals = df.groupby("agency_abbrev", observed=True)["time_in_space"].sum() / pd.Timedelta(
        hours=1
    )
    # the mistakes the hints name: other units of the teacher's means, totals, a flipped share
    units = {"days": (1 / 24, 0.1), "minutes": (60, 6.0), "seconds": (3600, 360.0)}
    mistakes_2 = {
        unit: c.by_group_spec(f"2:{unit}", {k: v * f for k, v in hours.items()}, step)
        for unit, (f, step) in units.items()
    }
    mistakes_2["totals"] = c.by_group_spec("2:totals", dict(totals.items()), 0.1)
    flipped = (df["time_in_space"] / df["time_docked"]).nlargest(len(a3))
    return {
        "data": c.data_fingerprint(df),
        "exercises": {
            "1": {"answer": c.by_group_spec("1", counts, 1, slack=0)},
            "2": {"answer": c.by_group_spec("2", hours, 0.1), "mistakes": mistakes_2},
            "3": {
                "answer": c.ranked_spec("3", a3["docked_share"], 0.01),
                "mistakes": {"flipped": c.ranked_spec("3:flipped", flipped, 0.01)},
            },
            "4": {"answer": c.total_spec("4", c.bar_total(a4), 1.0)},
        },
    }


def answers_module(answers: dict) -> str:
    """``spacedata/_classroom_answers.py``'s text."""
    return (
        '"""Fingerprints of the classroom notebook\'s answers on the bundled sample (see\n'
        "spacedata.classroom). Generated by `python tools/build_classroom.py --answers` from the\n"
        'teacher solutions in notebooks/04_classroom.ipynb: do not edit."""\n\n'
        f"ANSWERS = {pprint.pformat(answers, width=99, sort_dicts=True)}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the one source notebook")
    parser.add_argument("--out", type=Path, default=OUT, help="where student/ and teacher/ go")
    parser.add_argument(
        "--answers",
        action="store_true",
        help=f"write the self-checks' fingerprints of the solutions to {ANSWERS.relative_to(ROOT)}",
    )
    args = parser.parse_args(argv)
    if args.answers:
        ANSWERS.write_text(answers_module(derive_answers(args.source)), encoding="utf-8")
        # in the repository's style where ruff is installed (the dev extra); valid Python anyway
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(ANSWERS)], check=False)
        print(f"answers: {ANSWERS}")
        return 0
    for role, path in build(args.source, args.out).items():
        print(f"{role}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
