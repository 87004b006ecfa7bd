"""The classroom notebook: one source (notebooks/04_classroom.ipynb), and from it, with `make
classroom` (nbconvert's TagRemovePreprocessor), a student copy without solutions and a teacher
copy with them. Learning objectives come first; the self-check cells give friendly feedback on
any answer, a missing one included, and never crash.

The student copy holds no reference answer in any form: no solution's code or expression, in
a cell, its metadata or an output, and the checks (spacedata.classroom) compare with stored
fingerprints of the teacher's answers (spacedata/_classroom_answers.py), which must be what the
solutions compute on the bundled sample (`python tools/build_classroom.py --answers`). The
checks' verdicts are tested in-process on the teacher's own answers and variants of them
(another row order, dtype, rounding, shape, the mistakes the hints name)."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys

import nbformat
import pandas as pd
import plotly.express as px
import pytest
from nbclient import NotebookClient

from spacedata import classroom
from spacedata._classroom_answers import ANSWERS
from spacedata.plots import with_source
from tests.conftest import ROOT

pytestmark = pytest.mark.notebook
SOURCE = ROOT / "notebooks" / "04_classroom.ipynb"
TEACHER_ONLY = {"solution", "teacher"}
NOT_YET = "not answered yet"
RIGHT = "correct, well done!"
#: What the student copy's checks computed the reference answers with, before the fingerprints
#: (issue 20): none of it may come back into the student copy.
OLD_REFERENCES = (
    'df["config_type"].value_counts()',
    'df.groupby("agency_abbrev", observed=True)["time_in_space"].mean()',
    '(df["time_docked"] / df["time_in_space"]).nlargest(5)',
    '(df["time_in_space"] / df["time_docked"]).nlargest(5)',
    'df["time_in_space_days"].sum()',
    "time_in_space_totals(",
)


def _tool():
    spec = importlib.util.spec_from_file_location(
        "build_classroom", ROOT / "tools" / "build_classroom.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_classroom = _tool()


@pytest.fixture(scope="module")
def teacher() -> dict:
    """The namespace the source notebook leaves, solutions run, on the bundled sample."""
    return build_classroom.teacher_answers(SOURCE)


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
    student_text = "\n".join(c.source for c in student.cells)
    assert "Teacher's copy" not in student_text and "**Teacher.**" not in student_text

    # the teacher copy: everything, the solutions shown instead of collapsed
    assert [c.source for c in teacher.cells] == [c.source for c in source.cells]
    shown = [c for c in teacher.cells if "solution" in tags(c)]
    assert len(shown) == 4
    assert not any(c.metadata.get("jupyter", {}).get("source_hidden") for c in shown)
    for nb in (student, teacher):  # handed out clean
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def strings(node) -> list[str]:
    """Every string in a notebook's JSON: sources, metadata, outputs, keys included."""
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in (str(k), *strings(v))]
    if isinstance(node, list):
        return [t for v in node for t in strings(v)]
    return [str(node)]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


#: Solution expressions the exercises give away on purpose, as hints (each must be in the
#: student copy's exercise text, so this list cannot grow stale unseen).
HINTS = ("pd.Timedelta(hours=1)", "spacedata.plots.with_source(fig, df)")


def solution_expressions(cell) -> list[str]:
    """A solution cell's code, each line of it and each computation in it (every call and
    arithmetic, e.g. an assignment's right-hand side or a keyword's value), bare names left out."""
    found = [cell.source, *[line for line in cell.source.splitlines() if line.strip()]]
    for node in ast.walk(ast.parse(cell.source)):
        if isinstance(node, ast.Call | ast.BinOp):
            found.append(ast.get_source_segment(cell.source, node))
    return [f for f in found if f and not f.strip().isidentifier() and f not in HINTS]


def no_reference_in(nb) -> list[str]:
    """The solution expressions (of the source's solution cells) and old reference expressions
    found in ``nb``, in any string of its JSON (sources, metadata, outputs), whitespace ignored."""
    source = nbformat.read(SOURCE, as_version=4)
    expressions = {
        squeeze(e)
        for cell in source.cells
        if "solution" in tags(cell)
        for e in solution_expressions(cell)
    }
    expressions |= {squeeze(e) for e in OLD_REFERENCES}
    haystack = squeeze("\n".join(strings(nb)))
    return sorted(e for e in expressions if e in haystack)


def test_the_student_copy_holds_no_reference_answer(built):
    """Not a solution cell's code, a line of it or an expression in it; not the expressions the
    checks once computed the answers with; not the stored fingerprints; nor spacedata's chart of
    exercise 4's totals: in no cell, metadata or output of the student copy."""
    student = nbformat.read(built["student"], as_version=4)
    assert not no_reference_in(student)
    text = "\n".join(strings(student))
    assert ANSWERS["data"] not in text and "_classroom_answers" not in text
    # the test finds what it looks for: in the teacher copy, every solution and its comparison
    teacher = nbformat.read(built["teacher"], as_version=4)
    found = no_reference_in(teacher)
    solutions = [c for c in teacher.cells if "solution" in tags(c)]
    assert all(squeeze(c.source) in found for c in solutions)
    assert squeeze('df["config_type"].value_counts()') in found and "time_in_space_totals(" in found
    exercises = "\n".join(c.source for c in student.cells if c.source.startswith("## Exercise"))
    assert all(hint in exercises for hint in HINTS)


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
    # the student copy ends with the lesson's answer too (the teacher cells gone from before it)
    last = nb.cells[-1]
    assert last.source.startswith("# The answer") and nb.cells[-2].source.startswith("## Answer")
    assert "".join(o.get("text", "") for o in last.outputs).startswith("Answer: ")


def test_the_teacher_copy_runs_and_every_check_passes(built, monkeypatch):
    nb = execute(nbformat.read(built["teacher"], as_version=4), monkeypatch)
    said = checks(nb)
    assert said[:3] == [f"Exercise {n}: {RIGHT} ✓" for n in range(1, 4)]
    assert said[3].startswith(f"Exercise 4: {RIGHT} ✓ Compare it with spacedata's own chart")


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
    # what the checks printed gives no answer away (the cells hold the student's own code)
    printed = nbformat.v4.new_notebook(cells=[c for c in nb.cells if c.cell_type == "code"])
    for cell in printed.cells:
        cell.source = ""
    assert printed.cells[-1].outputs and not no_reference_in(printed)


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


# ------------------------------------------------------- the stored fingerprints and the checks


def test_the_stored_answers_are_what_the_teacher_solutions_compute():
    """spacedata/_classroom_answers.py is `tools/build_classroom.py --answers` of the source
    notebook on the bundled sample, as it is now: a changed solution or bundled sample fails
    here until the tool is run again."""
    assert build_classroom.derive_answers(SOURCE) == ANSWERS
    text = (ROOT / "spacedata" / "_classroom_answers.py").read_text()
    assert build_classroom.answers_module(ANSWERS).splitlines()[:3] == text.splitlines()[:3]


def test_a_changed_solution_or_data_changes_the_fingerprints(tmp_path, teacher):
    """What makes the test above fail: another answer from a solution, or other data."""
    nb = nbformat.read(SOURCE, as_version=4)
    cell = next(c for c in nb.cells if "solution" in tags(c) and "answer_2 =" in c.source)
    cell.source = cell.source.replace(".round(1)", ".round(1) * 2")
    nbformat.write(nb, tmp_path / SOURCE.name)
    changed = build_classroom.derive_answers(tmp_path / SOURCE.name)
    assert changed["exercises"]["2"] != ANSWERS["exercises"]["2"]
    assert changed["exercises"]["1"] == ANSWERS["exercises"]["1"]
    df = teacher["df"]
    assert classroom.data_fingerprint(df) == ANSWERS["data"]
    assert classroom.data_fingerprint(df.iloc[::-1]) == ANSWERS["data"]  # row order: harmless
    assert classroom.data_fingerprint(df.iloc[1:]) != ANSWERS["data"]
    one = df.copy()
    one.loc[one.index[0], "time_docked"] += pd.Timedelta(hours=1)
    assert classroom.data_fingerprint(one) != ANSWERS["data"]


def said(teacher, n, answer, data=None) -> str:
    return classroom.feedback(n, answer, teacher["df"] if data is None else data)


def test_the_teacher_answers_pass_in_any_harmless_form(teacher):
    df = teacher["df"]
    a1, a2, a3, a4 = (teacher[f"answer_{n}"] for n in range(1, 5))
    ok = "correct, well done! ✓"
    forms = {
        1: [
            a1,
            a1.astype(float),
            a1.astype("Int64"),
            a1.to_frame(),
            a1.reset_index(),  # config_type and count columns
            dict(a1),
            df.groupby("config_type", observed=False).size().sort_values(ascending=False),
        ],
        2: [
            a2,
            a2.sample(frac=1, random_state=1),  # another row order
            df.groupby("agency_abbrev", observed=True)["time_in_space"].mean()
            / pd.Timedelta(hours=1),  # not rounded
            a2.round(2),
            a2.astype(str),
            a2.reset_index(),
            a2.to_frame("hours"),
            pd.Series(a2.to_numpy(), index=a2.index.astype(str)),
        ],
        3: [
            a3,
            a3[["docked_share"]],
            a3["docked_share"],
            a3.assign(docked_share=a3["docked_share"].round(3)),
            a3.reset_index(drop=True),
        ],
        4: [
            a4,
            with_source(px.bar(x=a4.data[0].y, y=a4.data[0].x, orientation="h"), df),
        ],
    }
    for n, answers in forms.items():
        for answer in answers:
            assert said(teacher, n, answer).startswith(f"Exercise {n}: {ok}"), answer
    assert "time_in_space_totals" in said(teacher, 4, a4)  # the comparison, once it is right
    assert classroom.feedback("answer_1", a1) == classroom.feedback("exercise 1", a1)


def test_the_checks_say_what_is_off(teacher):
    df = teacher["df"]
    a1, a2, a3, a4 = (teacher[f"answer_{n}"] for n in range(1, 5))
    wrong_count = a1.copy()
    wrong_count.iloc[1] += 1
    one_off = a2.copy()
    one_off.iloc[0] += 5
    hours = df.groupby("agency_abbrev", observed=True)["time_in_space"]
    cases = {
        (1, "largest first"): a1.sort_values(),
        (1, f"The count for {str(a1.index[1])!r} is not right"): wrong_count,
        (1, "5 of them; you have 4"): a1.iloc[:4],
        (1, "Expected a pandas Series"): 42,
        (2, "still timedeltas"): hours.mean(),
        (2, "look like days"): (hours.mean() / pd.Timedelta(days=1)).round(2),
        (2, "look like minutes"): hours.mean() / pd.Timedelta(minutes=1),
        (2, "look like seconds"): hours.mean() / pd.Timedelta(seconds=1),
        (2, "These are totals"): hours.sum() / pd.Timedelta(hours=1),
        (2, f"The value for {one_off.index[0]} is not"): one_off,
        (2, "11 of them; you have 10"): a2.iloc[1:],
        (3, "highest share first"): a3.sort_values("docked_share"),
        (3, "Flip the division"): df.assign(
            docked_share=df["time_in_space"] / df["time_docked"]
        ).nlargest(5, "docked_share"),
        (3, "not the five highest"): a3.assign(docked_share=a3["docked_share"] / 2),
        (3, "you have 4 rows"): a3.iloc[:4],
        (3, "values are missing"): a3.assign(docked_share=[None, 1, 1, 1, 1]),
        (3, "Expected a DataFrame"): a3["name"],
        (4, "with_source(fig, df)"): px.bar(x=a4.data[0].x, y=a4.data[0].y),
        (4, "The bars add up to"): px.bar(df, x="config_name", y="flights_count"),
        (4, "Make it a bar chart"): px.line(x=[1, 2], y=[1, 2]),
        (4, "Expected a plotly figure"): "a chart",
    }
    for (n, hint), answer in cases.items():
        text = said(teacher, n, answer)
        assert text.startswith(f"Exercise {n}: not yet.") and hint in text, (hint, text)
    # no verdict gives the answer away: the total days, the teacher's hours or shares
    total = classroom.bar_total(a4)
    wrong = said(teacher, 4, px.bar(df, x="config_name", y="flights_count"))
    assert f"{total:,.1f}" not in wrong and f"{total:.0f}" not in wrong
    for text in (said(teacher, 2, one_off), said(teacher, 3, a3.sort_values("docked_share"))):
        assert not re.search(r"\d\.\d", text)


def test_on_other_data_the_checks_say_they_cannot_tell(teacher):
    df, a1 = teacher["df"], teacher["answer_1"]
    for other in (df.iloc[1:], df.drop(columns="time_docked")):
        text = said(teacher, 1, a1, data=other)
        assert "cannot tell" in text and 'DATA_SOURCE = "bundled"' in text
    assert classroom.feedback(1).startswith(f"Exercise 1: {NOT_YET}.")
    assert "is None" in classroom.feedback(2, None)
    with pytest.raises(ValueError, match="No exercise 5"):
        classroom.feedback(5, 1)


def test_right_answers_in_other_forms_pass_in_the_student_copy(built, monkeypatch):
    """A student's right answers written differently from the solutions (another method, row
    order, dtype, no rounding, a reset_index frame), run in the student copy itself."""
    nb = nbformat.read(built["student"], as_version=4)
    set_answers(
        nb,
        {
            1: 'df.groupby("config_type", observed=False).size().sort_values(ascending=False)'
            ".astype(float).reset_index()",
            2: '(df.groupby("agency_abbrev", observed=True)["time_in_space"].mean()'
            " / pd.Timedelta(hours=1)).sort_values()",
            3: 'df.assign(docked_share=df["time_docked"] / df["time_in_space"])'
            '.sort_values("docked_share", ascending=False).head(5)[["docked_share"]]',
            4: 'spacedata.plots.with_source(px.bar(df.groupby("config_name", observed=True)'
            '["time_in_space_days"].sum(), orientation="h"), df)',
        },
    )
    said = checks(execute(nb, monkeypatch))
    assert [text.split(" ✓")[0] for text in said] == [
        f"Exercise {n}: {RIGHT}" for n in range(1, 5)
    ], said
