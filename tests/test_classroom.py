"""The classroom notebook: one source (notebooks/04_classroom.ipynb), and from it, with `make
classroom` (nbconvert's TagRemovePreprocessor), a student copy without solutions and a teacher
copy with them. Learning objectives come first; the self-check cells give friendly feedback on
any answer, a missing one included, and never crash."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

pytestmark = pytest.mark.notebook
SOURCE = ROOT / "notebooks" / "04_classroom.ipynb"
TEACHER_ONLY = {"solution", "teacher"}
NOT_YET = "not answered yet"
RIGHT = "correct, well done!"


def tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """`make classroom` into a temporary folder (the venv taken as set up: -o its stamp)."""
    out = tmp_path_factory.mktemp("classroom")
    done = subprocess.run(
        [
            *("make", "-s", "-C", str(ROOT), "-o", ".venv/.installed-dev", "classroom"),
            f"CLASSROOM={out}",
            f"PY={sys.executable}",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return {role: out / role / SOURCE.name for role in ("student", "teacher")}


def execute(nb, monkeypatch):
    """Run ``nb`` top to bottom, offline, on the bundled sample; a cell error fails the test."""
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    return nb


def checks(nb) -> list[str]:
    """What each `check(n)` cell printed, in order."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code" and re.fullmatch(r"check\(\d\)", cell.source.strip()):
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert not [o for o in cell.outputs if o.output_type == "error"]
            out.append(text.strip())
    return out


def set_answers(nb, answers: dict[int, str | None]) -> None:
    """Put a student's answers in the "Your turn" cells (None: the student deleted the cell)."""
    for n, code in answers.items():
        cell = next(
            c
            for c in nb.cells
            if c.source.startswith("# Your turn") and f"answer_{n} = ..." in c.source
        )
        if code is None:
            nb.cells.remove(cell)
        else:
            cell.source = cell.source.replace(f"answer_{n} = ...", f"answer_{n} = {code}")


def test_student_copy_has_no_solutions_and_teacher_copy_has_them(built):
    source = nbformat.read(SOURCE, as_version=4)
    student = nbformat.read(built["student"], as_version=4)
    teacher = nbformat.read(built["teacher"], as_version=4)
    solutions = [c for c in source.cells if "solution" in tags(c)]
    assert len(solutions) == 4 and any("teacher" in tags(c) for c in source.cells)

    # the student copy: every cell of the source but the solutions and teacher notes, in order
    assert [c.source for c in student.cells] == [
        c.source for c in source.cells if not tags(c) & TEACHER_ONLY
    ]
    shared = {line for c in student.cells for line in c.source.splitlines()}
    student_text = "\n".join(c.source for c in student.cells)
    for cell in solutions:  # not even the first line of a solution (what a collapsed cell shows)
        own = [line for line in cell.source.splitlines() if line.strip()]
        assert own and not [line for line in own if line in shared and "answer_" in line]
        assert cell.source not in student_text and own[0] not in student_text
    assert "Teacher's copy" not in student_text

    # the teacher copy: everything, the solutions shown instead of collapsed
    assert [c.source for c in teacher.cells] == [c.source for c in source.cells]
    shown = [c for c in teacher.cells if "solution" in tags(c)]
    assert len(shown) == 4
    assert not any(c.metadata.get("jupyter", {}).get("source_hidden") for c in shown)
    for nb in (student, teacher):  # handed out clean
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_learning_objectives_come_first(built):
    for path in (SOURCE, built["student"], built["teacher"]):
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.cell_type == "markdown" and "**Learning objectives.**" in first.source
        objectives = re.findall(r"^\d\. .+", first.source, flags=re.M)
        assert len(objectives) == 5, objectives
        assert first.source.index("Learning objectives") < first.source.index("> **Data.**")


def test_the_student_copy_runs_and_each_check_asks_for_an_answer(built, monkeypatch):
    nb = execute(nbformat.read(built["student"], as_version=4), monkeypatch)
    said = checks(nb)
    assert len(said) == 4
    for n, text in enumerate(said, 1):
        assert text.startswith(f"Exercise {n}: {NOT_YET}.") and f"answer_{n} = ..." in text


def test_the_teacher_copy_runs_and_every_check_passes(built, monkeypatch):
    nb = execute(nbformat.read(built["teacher"], as_version=4), monkeypatch)
    assert checks(nb) == [f"Exercise {n}: {RIGHT} ✓" for n in range(1, 5)]


def test_checks_say_what_is_wrong_with_an_answer(built, monkeypatch):
    nb = nbformat.read(built["student"], as_version=4)
    set_answers(
        nb,
        {
            1: 'df["config_type"].value_counts(ascending=True)',
            2: 'df.groupby("agency_abbrev", observed=True)["time_in_space"].mean()',
            3: 'df.assign(docked_share=df["time_in_space"] / df["time_docked"])'
            '.nlargest(5, "docked_share")',
            4: 'px.bar(df, x="config_name", y="time_in_space_days")',
        },
    )
    said = checks(execute(nb, monkeypatch))
    assert said[0].startswith("Exercise 1: not yet.") and "largest first" in said[0]
    assert said[1].startswith("Exercise 2: not yet.") and "still timedeltas" in said[1]
    assert said[2].startswith("Exercise 3: not yet.") and "Flip the division" in said[2]
    assert said[3].startswith("Exercise 4: not yet.") and "with_source(fig, df)" in said[3]


def test_checks_stay_friendly_on_odd_answers(built, monkeypatch):
    nb = nbformat.read(built["student"], as_version=4)
    set_answers(
        nb,
        {
            1: "42",
            2: '(df.groupby("agency_abbrev", observed=True)["time_in_space"].mean()'
            " / pd.Timedelta(days=1))",
            3: "print(df.head())",
            4: None,  # the student deleted the cell: answer_4 was never set
        },
    )
    said = checks(execute(nb, monkeypatch))
    assert "Expected a pandas Series" in said[0] and "not a int" in said[0]
    assert "look like days" in said[1]
    assert "`answer_3` is None" in said[2]
    assert said[3].startswith(f"Exercise 4: {NOT_YET}.")
    assert not any("Traceback" in text for text in said)
