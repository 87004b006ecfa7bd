"""Build the classroom notebook's two copies from its one source, with nbconvert.

    python tools/build_classroom.py [--source notebooks/04_classroom.ipynb] [--out build/classroom]

writes ``OUT/student/04_classroom.ipynb`` (the cells tagged ``solution`` or ``teacher`` removed by
nbconvert's TagRemovePreprocessor: hand this one out) and ``OUT/teacher/04_classroom.ipynb``
(every cell, the solutions shown instead of collapsed). Both without outputs. ``make classroom``
runs it; tests/test_classroom.py checks the result and executes both copies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks" / "04_classroom.ipynb"
OUT = ROOT / "build" / "classroom"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the one source notebook")
    parser.add_argument("--out", type=Path, default=OUT, help="where student/ and teacher/ go")
    args = parser.parse_args(argv)
    for role, path in build(args.source, args.out).items():
        print(f"{role}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
