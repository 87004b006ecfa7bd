"""Self-checks for the classroom notebook (``notebooks/04_classroom.ipynb``), without the answers.

The notebook's check cell is two lines::

    from spacedata import classroom
    check = classroom.checker(globals())  # check(1) ... check(4) below each exercise

``check(n)`` prints friendly feedback on the notebook's ``answer_<n>``: right, or what is off and
a hint; never an exception, a missing answer included. ``classroom.check(n, answer, data=df)``
does the same for any value.

No reference answer is here or in the notebook: an answer is compared with *fingerprints* of the
teacher's (salted SHA-256 hashes of values rounded to a step: per group for a table of one number
per group, per rank for a top five, one for a total), stored in ``spacedata._classroom_answers``.
That module is generated, never typed: ``python tools/build_classroom.py --answers`` runs the
teacher's solution cells of the source notebook on the bundled sample and fingerprints their
answers (and a few common mistakes, for the hints); tests/test_classroom.py fails when the stored
fingerprints no longer match what the solutions compute on that data. Harmless differences pass:
row order (where the exercise does not ask for one), dtype (int, float, nullable, numeric
strings, categorical labels), rounding within half a step, a one-column DataFrame or a dict for
a Series, a ``reset_index()`` frame (group column plus value column).

The fingerprints are of the bundled sample: on other data (``DATA_SOURCE = "snapshot"``, or a
``df`` changed since it was loaded) a check says it cannot tell and how to get a check. They keep
an answer out of sight, not out of reach: small numbers can be found by trying them all.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

#: Mixed into every fingerprint, so that a hash of a bare number is not one of these.
SALT = "spacedata-classroom-v1"
#: The exercises; ``check`` also takes "answer_1", "exercise_1" or "1".
EXERCISES = (1, 2, 3, 4)
#: The columns of ``df`` the exercises use: the data fingerprint is of these.
DATA_COLUMNS = (
    "name",
    "agency_abbrev",
    "config_type",
    "config_name",
    "time_in_space",
    "time_docked",
    "time_in_space_days",
)
NOT_ANSWERED = "not answered yet"
RIGHT = "correct, well done! ✓"


# ------------------------------------------------------------------ fingerprints (shared with
# tools/build_classroom.py, which makes the stored ones with these same functions)


def digest(*parts: Any) -> str:
    """A salted SHA-256 of ``parts`` (16 hex digits: enough to tell answers apart)."""
    text = "|".join([SALT, *(str(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def quantize(value: Any, step: float) -> int | str:
    """``value`` in units of ``step``, rounded: an int; "NA", "inf" or "-inf" otherwise."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "NA"
    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return int(round(x / step))


def _near(q: int | str, slack: int) -> list[int | str]:
    return [q] if isinstance(q, str) else [q + d for d in range(-slack, slack + 1)]


def by_group_spec(exercise: str, values: Mapping, step: float, slack: int = 1) -> dict:
    """The stored form of one number per group: the groups' count, a hash of their names, a
    hash per (group, rounded number). ``slack``: how many steps off still match."""
    keys = sorted(str(k) for k in values)
    pairs = sorted(digest(exercise, str(k), quantize(v, step)) for k, v in values.items())
    return {
        "step": step,
        "slack": slack,
        "groups": len(keys),
        "names": digest(exercise, *keys),
        "pairs": pairs,
    }


def ranked_spec(exercise: str, values: Iterable, step: float, slack: int = 1) -> dict:
    """The stored form of a top list: a hash per (rank, rounded value), highest first."""
    ranked = sorted((float(v) for v in values), reverse=True)
    return {
        "step": step,
        "slack": slack,
        "ranks": [digest(exercise, i, quantize(v, step)) for i, v in enumerate(ranked)],
    }


def total_spec(exercise: str, value: float, step: float, slack: int = 1) -> dict:
    """The stored form of one number."""
    return {"step": step, "slack": slack, "hash": digest(exercise, quantize(value, step))}


def _pair_ok(spec: dict, exercise: str, key: str, value: Any) -> bool:
    q = quantize(value, spec["step"])
    return any(digest(exercise, key, n) in spec["pairs"] for n in _near(q, spec["slack"]))


def _group_names_ok(spec: dict, exercise: str, got: Mapping) -> bool:
    return len(got) == spec["groups"] and digest(exercise, *sorted(got)) == spec["names"]


def _ranks_ok(spec: dict, exercise: str, ranked: list[float]) -> bool:
    if len(ranked) != len(spec["ranks"]):
        return False
    return all(
        any(digest(exercise, i, n) == h for n in _near(quantize(v, spec["step"]), spec["slack"]))
        for i, (v, h) in enumerate(zip(ranked, spec["ranks"], strict=True))
    )


def _total_ok(spec: dict, exercise: str, value: float) -> bool:
    q = quantize(value, spec["step"])
    return any(digest(exercise, n) == spec["hash"] for n in _near(q, spec["slack"]))


def data_fingerprint(df: pd.DataFrame) -> str:
    """A hash of the columns the exercises use (``DATA_COLUMNS``), independent of row order,
    dtypes and pandas version: durations in whole seconds, numbers to 6 decimals."""
    missing = [c for c in DATA_COLUMNS if c not in df.columns]
    if missing:
        return digest("data", "missing", *missing)
    rows = []
    for row in df[list(DATA_COLUMNS)].itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, pd.Timedelta):
                cells.append(str(round(v.total_seconds())))
            elif v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
                cells.append("NA")
            elif isinstance(v, float):
                cells.append(f"{v:.6f}")
            else:
                cells.append(str(v))
        rows.append("\x1f".join(cells))
    return digest("data", len(rows), *sorted(rows))


def bar_total(fig: Any) -> float | None:
    """The sum of a plotly figure's bar lengths (x of horizontal bars, y otherwise); None if it
    has no bar trace."""
    bars = [t for t in fig.data if t.type == "bar"]
    if not bars:
        return None
    values: list = []
    for t in bars:
        side = t.x if t.orientation == "h" else t.y
        values += [] if side is None else list(side)
    return float(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").dropna().sum())


# ------------------------------------------------------------------ reading an answer


def _series(answer: Any, group: str | None = None) -> pd.Series | None:
    """``answer`` as a Series of one value per group, if it sensibly is one: a Series, a dict,
    a one-column DataFrame, or ``group`` plus one value column (what ``reset_index()`` gives)."""
    if isinstance(answer, Mapping) and not isinstance(answer, pd.DataFrame | pd.Series):
        return pd.Series(dict(answer), dtype=object)
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 1:
            return answer.iloc[:, 0]
        if group is not None and answer.shape[1] == 2 and group in answer.columns:
            return answer.set_index(group).iloc[:, 0]
        return None
    return answer if isinstance(answer, pd.Series) else None


def _numbers(series: pd.Series) -> dict[str, Any]:
    """{group name: number} (NaN where it is not a number)."""
    values = pd.to_numeric(pd.Series(list(series), dtype=object), errors="coerce")
    return {str(k): v for k, v in zip(series.index, values, strict=True)}


# ------------------------------------------------------------------ the four exercises


def _check_1(answer: Any, spec: dict) -> str | None:
    got = _series(answer, "config_type")
    if got is None:
        return (
            "Expected a pandas Series (one count per configuration type), "
            f"not a {type(answer).__name__}."
        )
    got = {k: v for k, v in _numbers(got).items() if v != 0}
    want = spec["answer"]
    if not _group_names_ok(want, "1", got):
        return (
            "Expected one count per configuration type (`config_type`): "
            f"{want['groups']} of them; you have {len(got)}."
        )
    wrong = [k for k, v in got.items() if not _pair_ok(want, "1", k, v)]
    if wrong:
        return f"The count for {wrong[0]!r} is not right: count the spacecraft (rows) of each type."
    counts = list(got.values())
    if counts != sorted(counts, reverse=True):
        return "The counts are right; now put the largest first (`.sort_values(ascending=False)`)."
    return None


def _check_2(answer: Any, spec: dict) -> str | None:
    got = _series(answer, "agency_abbrev")
    if got is None:
        return f"Expected a pandas Series (one number per agency), not a {type(answer).__name__}."
    if pd.api.types.is_timedelta64_dtype(got) or any(isinstance(v, pd.Timedelta) for v in got):
        return (
            "These are still timedeltas: divide by `pd.Timedelta(hours=1)` "
            "to get plain numbers of hours."
        )
    got = _numbers(got)
    want = spec["answer"]
    if not _group_names_ok(want, "2", got):
        return (
            "Expected one number per agency (`agency_abbrev`): "
            f"{want['groups']} of them; you have {len(got)}."
        )
    wrong = [k for k, v in got.items() if not _pair_ok(want, "2", k, v)]
    if not wrong:
        return None
    for mistake, hint in (
        ("days", "Right idea, wrong unit: these look like days."),
        ("minutes", "Right idea, wrong unit: these look like minutes."),
        ("seconds", "Right idea, wrong unit: these look like seconds."),
        ("totals", "These are totals: the exercise asks for the mean (`.mean()`) per agency."),
    ):
        spec_m = spec["mistakes"][mistake]
        if all(_pair_ok(spec_m, f"2:{mistake}", k, v) for k, v in got.items()):
            unit = mistake in ("days", "minutes", "seconds")
            return hint + (" Divide by `pd.Timedelta(hours=1)`." if unit else "")
    return f"The value for {wrong[0]} is not its mean time in space in hours."


def _check_3(answer: Any, spec: dict) -> str | None:
    if isinstance(answer, pd.Series) and answer.name == "docked_share":
        answer = answer.to_frame()
    if not isinstance(answer, pd.DataFrame) or "docked_share" not in answer.columns:
        return "Expected a DataFrame with a `docked_share` column (time docked ÷ time in space)."
    n = len(spec["answer"]["ranks"])
    if len(answer) != n:
        return f"Show the five spacecraft with the highest share: you have {len(answer)} rows."
    got = pd.to_numeric(pd.Series(list(answer["docked_share"]), dtype=object), errors="coerce")
    if got.isna().any():
        return (
            "Some `docked_share` values are missing: `nlargest` skips those and picks the highest."
        )
    got = [float(v) for v in got]
    ranked = sorted(got, reverse=True)
    if not _ranks_ok(spec["answer"], "3", ranked):
        if _ranks_ok(spec["mistakes"]["flipped"], "3:flipped", ranked):
            return "Flip the division: the share is time docked ÷ time in space."
        return 'These are not the five highest shares: `nlargest(5, "docked_share")` picks them.'
    if got != ranked:
        return "The right five; now put the highest share first."
    return None


def _check_4(answer: Any, spec: dict) -> str | None:
    import plotly.graph_objects as go

    if not isinstance(answer, go.Figure):
        return (
            f"Expected a plotly figure (what `px.bar(...)` returns), not a {type(answer).__name__}."
        )
    total = bar_total(answer)
    if total is None:
        return "Make it a bar chart: `px.bar(...)`."
    if not _total_ok(spec["answer"], "4", total):
        return (
            f"The bars add up to {total:,.1f}, which is not the days these spacecraft spent in "
            "space in all: sum `time_in_space_days` per configuration (`config_name`)."
        )
    subtitle = answer.layout.title.subtitle.text or ""
    if "Launch Library 2" not in subtitle:
        return (
            "The numbers are right; now say where the data came from: "
            "`spacedata.plots.with_source(fig, df)`."
        )
    return None


_CHECKS: dict[int, Callable[[Any, dict], str | None]] = {
    1: _check_1,
    2: _check_2,
    3: _check_3,
    4: _check_4,
}
#: Said after a right answer, where there is more to see.
_AFTER = {
    4: " Compare it with spacedata's own chart: "
    '`spacedata.plots.time_in_space_totals(df, "configuration")`.',
}


def _number(name: int | str) -> int:
    text = str(name).strip().lower()
    for prefix in ("answer_", "exercise_", "exercise "):
        text = text.removeprefix(prefix)
    if not text.isdigit() or int(text) not in EXERCISES:
        raise ValueError(
            f"No exercise {name!r}: the exercises are {', '.join(map(str, EXERCISES))}."
        )
    return int(text)


def _stored() -> dict:
    from spacedata._classroom_answers import ANSWERS

    return ANSWERS


def feedback(name: int | str, answer: Any = ..., data: pd.DataFrame | None = None) -> str:
    """What ``check`` prints for ``answer`` to exercise ``name`` (1-4, or "answer_1"...):
    "Exercise n: correct, well done! ✓" or "Exercise n: not yet. <what is off, a hint>".
    ``answer`` left out (``...``): not answered yet. ``data``: the notebook's ``df``; when given
    and not the bundled sample the answers were fingerprinted on, says it cannot tell. Never
    raises for a bad answer; raises ValueError for an exercise that does not exist."""
    n = _number(name)
    var = f"answer_{n}"
    if answer is ...:
        return (
            f"Exercise {n}: {NOT_ANSWERED}. Replace the `...` in `{var} = ...` above with your "
            "answer, run that cell, then run this one again."
        )
    if answer is None:
        return (
            f"Exercise {n}: `{var}` is None. Did you print the result instead of keeping it? "
            f"Write `{var} = <your expression>`."
        )
    stored = _stored()
    if data is not None and data_fingerprint(data) != stored["data"]:
        return (
            f"Exercise {n}: I cannot tell. These checks know the answers on the bundled sample "
            'only (`DATA_SOURCE = "bundled"`), and `df` is other data (another source, or '
            "changed since it was loaded). Run the notebook from the top on the bundled sample "
            "to check your code, then run it on any data you like."
        )
    try:
        problem = _CHECKS[n](answer, stored["exercises"][str(n)])
    except Exception as exc:  # a check must never crash the lesson
        problem = f"I could not check this answer ({type(exc).__name__}: {exc})."
    if problem is None:
        return f"Exercise {n}: {RIGHT}{_AFTER.get(n, '')}"
    return f"Exercise {n}: not yet. {problem}"


def check(name: int | str, answer: Any = ..., data: pd.DataFrame | None = None) -> None:
    """Print friendly feedback on ``answer`` to exercise ``name`` (see ``feedback``)."""
    print(feedback(name, answer, data))


def checker(namespace: dict) -> Callable[[int | str], None]:
    """``check(n)`` for a notebook: reads ``answer_<n>`` and ``df`` from ``namespace`` (pass
    ``globals()``) when called, so a missing or deleted answer cell is "not answered yet"."""

    def check_answer(name: int | str) -> None:
        """Friendly feedback on `answer_<n>`; never an error, even with no answer yet."""
        n = _number(name)
        data = namespace.get("df")
        check(
            n, namespace.get(f"answer_{n}", ...), data if isinstance(data, pd.DataFrame) else None
        )

    return check_answer
