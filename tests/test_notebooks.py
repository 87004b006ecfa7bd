"""Every notebook runs top to bottom with no network, shows its provenance, and is committed clean.
02 and 03 run again on a SYNTHETIC snapshot of 3,000 records chosen through DATA_SOURCE. On the
bundled sample (real records: 55 spacecraft, 38 flights of 2025-2027, 27 flown and 11 planned),
03 finds the reused craft and their flown turnarounds, and 05 draws flights per year, time in
space and turnaround of the flown flights with the planned ones apart; 05 also runs on a
SYNTHETIC snapshot with flights. Each notebook says where the bundled sample came from (and the
bundled snapshot is what it says); 01's fetch-then-load advice works as written against a fake
LL2 with the free quota, and 01 exports and cites. The figures asserted are computed from the
bundled data, never typed in. The classroom copies are tested in test_classroom.py, HTML export
in test_notebook_html.py."""

from __future__ import annotations

import base64
import copy
import json
import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import spacedata
from spacedata import plots
from spacedata.plots import PLAIN
from spacedata.synthetic import write_synthetic_snapshot
from tests.conftest import ROOT

pytestmark = pytest.mark.notebook
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DEFAULT = 'DATA_SOURCE = "bundled"'


#: Notebooks run as committed (the bundled sample, in notebooks/), by path: that run depends on
#: the repository only, so several tests read one run (a copy each) instead of each running it.
_AS_COMMITTED: dict = {}


def run(path, monkeypatch, source: str | None = None, cwd=None):
    """Execute the notebook at ``path`` offline (``source``: what DATA_SOURCE is set to; ``cwd``:
    the kernel's working directory, default notebooks/, as in JupyterLab). The run as committed
    (no ``source``, no ``cwd``) is executed once per test run and handed out as a copy."""
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")  # the kernel inherits this: no network at all
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and DEFAULT in params[0].source, "one parameters cell sets DATA_SOURCE"
    as_committed = source is None and cwd is None
    if as_committed and path in _AS_COMMITTED:
        return copy.deepcopy(_AS_COMMITTED[path])
    if source is not None:
        params[0].source = params[0].source.replace(DEFAULT, f"DATA_SOURCE = {source!r}")
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd or ROOT / "notebooks")}},
    ).execute()
    if as_committed:
        _AS_COMMITTED[path] = copy.deepcopy(nb)
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


def figures(nb) -> dict[str, dict]:
    """The charts a notebook drew, by title: plotly's JSON (its mimetype output)."""
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            fig = o.get("data", {}).get(PLOTLY_MIME)
            if fig:
                title = fig["layout"].get("title", {})
                out[title.get("text", "") if isinstance(title, dict) else str(title)] = fig
    return out


def cell_output(nb, start: str) -> str:
    """The plain-text output of the one code cell whose source starts with ``start``."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start)]
    return "".join(
        o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs
    )


def values(v) -> list:
    """A trace's x or y as a list: plotly's JSON packs numeric arrays as base64 (bdata)."""
    if v is None:
        return []
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def bundled() -> tuple:
    """The bundled sample as the notebooks see it: (spacecraft wide, flights wide, flown,
    planned)."""
    tables = spacedata.load_tables("bundled")
    flights = tables.flights_wide()
    flown = flights[flights["flown"].fillna(False)]
    planned = flights[~flights["flown"].fillna(True)]
    return tables.wide(), flights, flown, planned


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
    assert answer_of(nb).startswith("Answer: ")  # and the answer from that data
    assert "partial sample" not in answer_of(nb)


FLIGHTS_NOTEBOOK = ROOT / "notebooks" / "05_flights_through_time.ipynb"
FIGURES = ("Flights per year, by agency", "Time in space accumulated", "Turnaround of reused")


def test_flights_notebook_on_the_bundled_sample_counts_flown_flights_and_shows_planned_apart(
    monkeypatch,
):
    """Notebook 05 on the bundled sample's 38 real flights: real charts, no "no flight records"
    message; every count, duration and turnaround of the flown flights only; the planned ones
    stated, drawn apart in flights per year, listed in "what is coming"."""
    _, flights, flown, planned = bundled()
    assert len(flown) and len(planned)  # the sample holds both, or this test proves nothing
    nb = run(FLIGHTS_NOTEBOOK, monkeypatch)
    text = outputs_text(nb)
    assert "Flights:    Source: bundled sample snapshot" in text
    assert "holds no flight records" not in text and "No flight records in this source" not in text
    assert "No reused spacecraft here" not in text and PLAIN.no_flight_match not in text
    said = f"{len(flights):,} flights: {len(flown):,} flown and {len(planned):,} planned."
    assert said in text
    assert f"{len(flights):,} flights shown" in text and "spacecraft shown" not in text
    drawn = figures(nb)
    assert all(any(t.startswith(title) for t in drawn) for title in FIGURES)

    # flights per year: the flown flights by year, stacked; the planned ones one trace apart
    flown_years = flown["launch_net"].dt.year.value_counts()
    for by in ("agency", "configuration"):
        fig = drawn[f"Flights per year, by {by}"]
        apart = [t for t in fig["data"] if t.get("name", "").startswith("Planned")]
        stacked = [t for t in fig["data"] if t not in apart]
        assert len(apart) == 1 and sum(values(apart[0]["y"])) == len(planned)
        per_year: dict[int, float] = {}
        for t in stacked:
            for x, y in zip(values(t["x"]), values(t["y"]), strict=True):
                per_year[int(x)] = per_year.get(int(x), 0) + y
        assert per_year == {int(y): float(n) for y, n in flown_years.items()}

    # time in space: the flown flights' durations, summed per agency
    fig = next(f for t, f in drawn.items() if t.startswith("Time in space accumulated"))
    finals = {t["name"]: values(t["y"])[-1] for t in fig["data"]}
    want = flown.groupby("agency_abbrev", observed=True)["duration_days"].sum() / 365.25
    assert finals.keys() == {str(a) for a, v in want.items() if v > 0}
    assert all(abs(finals[str(a)] - v) < 1e-3 for a, v in want.items() if v > 0)

    # turnaround: one point per flown reflight, never a planned flight's forecast
    fig = next(f for t, f in drawn.items() if t.startswith("Turnaround of reused"))
    points = [t for t in fig["data"] if t.get("mode") == "markers"]
    reflights = flown[flown["turn_around_time_days"] > 0]
    forecast = planned[planned["turn_around_time_days"] > 0]
    assert len(reflights) and len(forecast)  # Starliner 2's planned 1,680 days
    assert sum(len(values(t["y"])) for t in points) == len(reflights)
    drawn_days = np.sort([v for t in points for v in values(t["y"])])
    assert np.allclose(drawn_days, np.sort(reflights["turn_around_time_days"]), atol=1e-3)
    assert f"Left out: {len(forecast)} planned flight(s) with a forecast turnaround" in text
    table = cell_output(nb, "reflights = ")
    only_planned = set(forecast["config_name"].astype(str)) - set(reflights["config_name"])
    assert only_planned and not [c for c in only_planned if c in table]  # Starliner 2 not counted
    assert all(str(c) in table for c in reflights["config_name"].unique())

    # the tables: flown flights per year and agency; years in space of the flown flights
    agencies = set(flights["agency_abbrev"].astype(str))
    planned_only = agencies - set(flown["agency_abbrev"].astype(str))
    assert planned_only  # e.g. HAL: Gaganyaan has only planned flights
    for start in ("if len(flown):\n    years = ", "if len(flown):\n    year = "):
        table = cell_output(nb, start).split("\n")[0]  # the header: one column per agency
        assert set(table.split()) == agencies - planned_only | {"agency_abbrev"}

    # what is coming: every planned flight listed, by NET year
    by_year = planned["launch_net"].dt.year.value_counts().sort_index()
    years = ", ".join(f"{y}: {n}" for y, n in by_year.items())
    assert f"{len(planned)} planned flights, by NET year: {years}" in text
    table = cell_output(nb, "if planned.empty")
    assert all(str(name) in table for name in planned["spacecraft_name"])
    assert all(str(p) in table for p in planned["launch_net_precision"].unique())


def test_flights_notebook_runs_on_a_synthetic_flights_snapshot(tmp_path, monkeypatch):
    snap = write_synthetic_snapshot(300, tmp_path / "synthetic", seed=7, flights=True)
    n = len(snap.records("spacecraft_flights"))
    nb = run(FLIGHTS_NOTEBOOK, monkeypatch, source=str(snap.path))
    text = outputs_text(nb)
    assert "Flights:    Source: SYNTHETIC snapshot" in text and f"complete ({n} records)" in text
    said = answer_of(nb)
    assert (
        said.startswith("Answer: ") and "SYNTHETIC data: this answers for made-up flights" in said
    )
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


def data_note(nb) -> str:
    """The notebook's data note: the paragraph of its first cell that starts "> **Data.**"."""
    top = nb.cells[0].source
    return top[top.index("> **Data.**") :].split("\n\n")[0]


#: The whole story of the bundled sample: notebook 01 tells it, the others point there.
STORY = ("offset 300 ordered by most flights first", "skewed to single-use craft", "offset 30")


def test_notebook_01_tells_where_the_sample_came_from(real_records):
    """Notebook 01's section on the bundled sample says what it is, and that is what the bundled
    snapshot holds: two pages, those URLs, 20 single flights; the flights listing of the same host,
    captured about the date said."""
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    (story,) = [c.source for c in nb.cells if c.source.startswith("## Where the bundled sample")]
    for fact in (
        "development host",
        "lldev.thespacedevs.com",
        "offset 30",
        "default order",
        *STORY,
    ):
        assert fact in story
    assert "flew exactly once" in story and "limited, stale copy" in story
    from spacedata.snapshot import bundled_snapshot

    manifest = bundled_snapshot().manifest
    urls = [p.url for p in manifest.endpoints["spacecraft"].pages]
    assert [u.split("?", 1)[1] for u in urls] == [
        "format=api&offset=30",
        "format=api&offset=300&ordering=-flights_count",
    ]
    assert all(u.startswith("https://lldev.thespacedevs.com/2.3.0/") for u in urls)
    assert len(real_records) == 20 and {r["flights_count"] for r in real_records} == {1}
    spacecraft, flights, flown, planned = bundled()
    of = spacedata.provenance_of(spacecraft).count
    from_flights = int((spacecraft["seen_in"] == "spacecraft_flights").sum())
    assert f"**{len(spacecraft)} spacecraft**: {len(real_records)} of about {of}" in story
    assert f"{from_flights} known only from their flights" in story
    assert len(spacecraft) == len(real_records) + from_flights
    flights_urls = [p.url for p in manifest.endpoints["spacecraft_flights"].pages]
    assert all(u.startswith("https://lldev.thespacedevs.com/2.3.0/") for u in flights_urls)
    captured = manifest.endpoints["spacecraft_flights"].fetched_at
    assert f"**{len(flights)} spacecraft flights**" in story
    assert f"captured about {captured:%Y-%m-%d}" in story
    years = flights["launch_net"].dt.year
    assert f"launches from {years.min()} to {years.max()} only" in story
    assert f"{len(flown)} flown and {len(planned)} planned" in story
    assert len(flown) + len(planned) == len(flights)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_says_it_once_in_a_short_data_note(path):
    """One data note, at the top, short: where the data comes from (the development host), as of
    when, that it is a sample and of what; notebook 01 for the whole story, told there only. The
    parameters cell says in two lines what DATA_SOURCE can be."""
    nb = nbformat.read(path, as_version=4)
    everything = "\n".join(c.source for c in nb.cells)
    assert everything.count("**Data.**") == 1 and "**Data.**" in nb.cells[0].source
    note = data_note(nb)
    assert len(note.split()) <= 80, len(note.split())  # the old block: 150-200 words
    spacecraft, flights, _, _ = bundled()
    of = spacedata.provenance_of(spacecraft).count
    from_flights = int((spacecraft["seen_in"] == "spacecraft_flights").sum())
    years = flights["launch_net"].dt.year
    from spacedata.snapshot import bundled_snapshot

    captured = bundled_snapshot().manifest.endpoints["spacecraft_flights"].fetched_at
    for fact in (
        "**bundled sample**",
        "development host",
        "`lldev.thespacedevs.com`",
        "limited, stale copy",
        f"**{len(spacecraft)} spacecraft**, 20 of about {of} from two spacecraft pages",
        "capture dates unrecorded",
        f"{from_flights} known from its listing of **{len(flights)} flights** of "
        f"{years.min()}–{years.max()}",
        f"captured about {captured:%Y-%m-%d}",
        "not the catalogue",
        "Launch Library 2 by The Space Devs",
    ):
        assert fact in note, fact
    if path == NOTEBOOKS[0]:
        assert "*Where the bundled sample comes from*, below" in note
    else:
        assert "Notebook 01 tells the whole story" in note
        assert not [fact for fact in STORY if fact in everything]
    (params,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params.source.splitlines()) <= 3


#: Words that state a result: before the data is shown, only a question may use them.
PROMISES = re.compile(
    r"\b(has|have|had) (shrunk|grown|fallen|risen|doubled|halved)|\bshr[au]nk\b|\bgrew\b|"
    r"\b(increased|decreased|declined|dropped|rose|fell)\b|\bshows? that\b|\breveals?\b|"
    r"\b(you|we) will see\b",
    re.IGNORECASE,
)


def promised(text: str) -> list[str]:
    """The result words in ``text`` outside its questions (sentences ending in "?")."""
    statements = re.sub(r"[^.?!\n]*\?", "", text)
    return [m.group(0) for m in PROMISES.finditer(statements)]


def test_the_promise_detector_finds_a_promise():
    old_05 = "Three questions: how many flights, and how the turnaround has shrunk."
    assert promised(old_05) == ["has shrunk"]
    assert promised("**Question.** Has the turnaround of reused spacecraft shrunk?") == []
    assert promised("## 3. How turnaround of reused craft has shrunk") == ["has shrunk"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_asks_its_question_first_and_promises_no_result(path):
    """The first cell states the notebook's question (a "**Question.**" sentence ending in "?"),
    before its data note; no text before the data is loaded states a result, nor does any heading
    (a heading comes before its section's chart)."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    question = re.search(r"^\*\*Question\.\*\* [^\n]+\?$", first.source, flags=re.M)
    assert question and question.start() < first.source.index("> **Data.**")
    loads = next(i for i, c in enumerate(nb.cells) if "spacedata.load_tables(" in c.source)
    before = [c.source for c in nb.cells[:loads] if c.cell_type == "markdown"]
    headings = [
        line
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    ]
    assert not promised("\n\n".join(before)) and not promised("\n".join(headings))


def answer_of(nb) -> str:
    """What the last cell printed: the notebook's answer."""
    last = nb.cells[-1]
    assert not [o for o in last.outputs if o.output_type == "error"]
    return "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_ends_with_its_answer_from_the_data(path, monkeypatch):
    """The last cell answers the question from the data shown, computed, under an "## Answer"
    heading; on the bundled sample it says the answer is of a partial sample, and where the
    sample is too small to answer (05's turnaround trend), that it cannot say."""
    nb = run(path, monkeypatch)
    last, heading = nb.cells[-1], nb.cells[-2]
    assert last.cell_type == "code" and last.source.startswith("# The answer")
    assert heading.cell_type == "markdown" and heading.source.startswith("## Answer")
    said = answer_of(nb)
    assert said.startswith("Answer: ") and "partial sample" in said, said
    df, flights, flown, planned = bundled()
    stem = path.stem[:2]
    if stem == "01":
        assert f"`.wide()` {len(df):,} rows" in said
        assert spacedata.provenance_of(df).completeness in said
    elif stem == "02":
        agency = df.groupby("agency_abbrev", observed=True)
        most = agency["flights_count"].sum().sort_values(ascending=False)
        years = (
            agency["time_in_space_days"].sum().sort_values(ascending=False) / plots.DAYS_PER_YEAR
        )
        assert f"{most.index[0]}'s spacecraft ({most.iloc[0]:,} flights" in said
        assert f"{years.index[0]}'s spacecraft ({years.iloc[0]:,.1f} years" in said
    elif stem == "03":
        reused = int((df["flights_count"] > 1).sum())
        turns = flown[flown["turn_around_time_days"] > 0]["turn_around_time_days"]
        assert f"{reused} of {len(df)} spacecraft in this data flew more than once" in said
        assert f"{len(turns)} flown reflights here came a median {turns.median():.0f} days" in said
    elif stem == "04":
        assert f"these {len(df)} spacecraft" in said
    else:
        turns = flown[flown["turn_around_time_days"] > 0]
        assert f"{len(flown):,} flown flights here" in said
        assert f"This data cannot say: {len(turns)} flown reflights" in said
        assert "has shrunk" not in said and "it has not shrunk" not in said


@pytest.mark.parametrize("path", CHART_NOTEBOOKS, ids=lambda p: p.stem)
def test_chart_notebooks_use_a_renderer_that_survives_html_export(path):
    """plotly's JupyterLab mimetype plus HTML with plotly.js embedded (no CDN); the browser test
    in test_notebook_html.py checks the exported HTML draws offline."""
    nb = nbformat.read(path, as_version=4)
    setup = next(c.source for c in nb.cells if "spacedata.load_tables(DATA_SOURCE" in c.source)
    assert "plots.use_notebook_renderer()" in setup
    assert plots.NOTEBOOK_RENDERER == "plotly_mimetype+notebook"


def test_reuse_notebook_shows_the_reuse_the_sample_holds(monkeypatch, tmp_path):
    """Notebook 03 on the bundled sample: the reused craft (all from the flights listing), their
    fastest turnarounds drawn, and their turnarounds flight by flight, of flown flights only
    (a planned flight's forecast turnaround counted apart). On a SYNTHETIC snapshot too."""
    path = ROOT / "notebooks" / "03_reuse_and_turnaround.ipynb"
    df, flights, flown, planned = bundled()
    reused = df["flights_count"] > 1
    assert reused.any()
    nb = run(path, monkeypatch)
    why = next(c.source for c in nb.cells if c.source.startswith("## What the bundled sample"))
    for fact in ("301–310", "ordering=-flights_count", "What the full data shows instead"):
        assert fact in why
    assert "known only from their flights" in why and "2025 to 2027" in why
    text = outputs_text(nb)
    n, most = int(reused.sum()), df["flights_count"].max()
    assert f"{n} of {len(df)} spacecraft in this data flew more than once" in text
    assert f"(most flights by one craft: {most})" in text
    from_flights = int((reused & (df["seen_in"] == "spacecraft_flights")).sum())
    assert from_flights == n  # the spacecraft pages hold no reused craft
    assert f"{from_flights} of them are known only from their flights" in text
    assert f"{int((df['flights_count'] == 0).sum())} have not flown yet" in text
    assert "nothing to show on this data" not in text and "has a turnaround" not in text

    drawn = figures(nb)
    bars = {t["name"]: sum(values(t["y"])) for t in drawn["Reuse by configuration type"]["data"]}
    assert bars["reused"] > 0 and sum(bars.values()) == len(df)
    assert bars["not flown yet"] == int((df["flights_count"] == 0).sum())
    turn = drawn["Fastest turnaround per spacecraft (days)"]
    histogram = sum(len(values(t["x"])) for t in turn["data"])
    assert histogram == int(df["fastest_turnaround"].notna().sum()) > 0

    reflights = flown[flown["turn_around_time_days"] > 0]
    forecast = planned[planned["turn_around_time_days"] > 0]
    assert (
        f"{len(flights)} flights in this data: {len(flown)} flown, {len(planned)} planned" in text
    )
    assert (
        f"{len(reflights)} flown flights of {reflights['spacecraft_id'].nunique()} craft followed"
        in text
    )
    median = reflights["turn_around_time_days"].median()
    assert f"median turnaround {median:.0f} days" in text
    assert f"Not counted: {len(forecast)} planned flight(s) with a forecast turnaround" in text

    snap = write_synthetic_snapshot(300, tmp_path / "synthetic", seed=7)
    text = outputs_text(run(path, monkeypatch, source=str(snap.path)))
    reused = sum(r["flights_count"] > 1 for r in snap.records())
    assert reused and f"{reused} of 300 spacecraft in this data flew more than once" in text
    assert "nothing to show on this data" not in text
    assert "This source holds no flight records" in text  # no flights in that snapshot


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
