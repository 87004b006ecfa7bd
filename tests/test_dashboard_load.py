"""Many viewers: aggregates shared by sessions, and a served dashboard under concurrent
sessions. Behaviour only: no assertion on wall-clock time (benchmarks/bench_sessions.py
prints the figures)."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

import spacedata
from spacedata.dashboard import Charts, DataStore, KPIs, RecordsTable, SharedData
from spacedata.dashboard.cache import AGGREGATES, SharedCache, data_version


@pytest.fixture
def frame():
    """A frame of its own (a new data version), so counts start from nothing cached."""
    return spacedata.load_spacecraft("bundled").copy()


@pytest.fixture
def count_figure_builds(monkeypatch):
    """How many times the six figures were computed (``Charts.figures`` calls)."""
    calls = []
    original = Charts.figures

    def figures(self, df):
        calls.append(len(df))
        return original(self, df)

    monkeypatch.setattr(Charts, "figures", figures)
    return calls


def all_charts(store, **params) -> Charts:
    """The six charts of ``store``, all built (a page builds a pair as a viewer reaches it)."""
    charts = Charts(store, **params)
    charts.rows()
    return charts


def views(store):
    return all_charts(store), KPIs(store), RecordsTable(store)


def test_two_sessions_in_one_state_build_the_figures_once(frame, count_figure_builds):
    first, second = DataStore(frame), DataStore(frame)
    charts1, kpis1, table1 = views(first)
    charts2, kpis2, table2 = views(second)
    assert count_figure_builds == [len(first.filtered)]
    assert first.cache_key("figures") == second.cache_key("figures")
    # the very same objects: figures, filtered rows, table frame
    for key, pane in charts1.panes.items():
        assert charts2.panes[key].object is pane.object
    assert second.filtered is first.filtered
    assert table2.table.value is table1.table.value
    assert [c.value for c in kpis2.cards.values()] == [c.value for c in kpis1.cards.values()]

    # a filter change in one session builds that state once; the other session reaching the
    # same state (values chosen in another order) gets it from the cache
    first.status = ["Active", "Retired"]
    second.status = ["Retired", "Active"]
    assert len(count_figure_builds) == 2
    assert first.state() == second.state()
    for key, pane in charts1.panes.items():
        assert charts2.panes[key].object is pane.object
    assert kpis2.cards["spacecraft"].value == len(first.filtered)

    # back to the default: nothing new to build
    first.status, second.status = [], []
    assert len(count_figure_builds) == 2


def test_shared_figures_match_fresh_ones(frame):
    store = DataStore(frame, config_type=["Capsule"])
    charts = all_charts(store)
    fresh = charts.figures(store.filtered)
    for key, pane in charts.panes.items():
        assert pane.object.to_json() == fresh[key].to_json()
        assert pane.link_figure is False  # a shared figure is never patched by one session


def test_a_refresh_changes_the_key(count_figure_builds):
    shared = SharedData(lambda refresh=False: spacedata.load_tables("bundled"))  # new frames
    before = DataStore(shared.current.frame)
    all_charts(before)
    shared.refresh()
    assert shared.current.refresh_error is None
    after = DataStore(shared.current.frame)
    all_charts(after)
    assert after.state() == before.state()
    assert after.cache_key("figures") != before.cache_key("figures")
    assert len(count_figure_builds) == 2  # new data: built again, never the old figures
    assert data_version(shared.current.frame) != data_version(before.data)


def test_the_cache_is_bounded_and_builds_once_under_concurrency():
    cache = SharedCache(maxsize=3)
    for i in range(10):
        cache.get((i, "x"), lambda i=i: i)
    assert len(cache) == 3
    assert cache.get((9, "x"), lambda: "rebuilt") == 9
    assert cache.get((0, "x"), lambda: "rebuilt") == "rebuilt"  # evicted long ago

    builds = []
    gate = threading.Event()

    def slow():
        gate.wait(5)
        builds.append(1)
        return object()

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(cache.get(("same", "y"), slow)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert len(builds) == 1
    assert len(got) == 8 and all(g is got[0] for g in got)


def test_a_failed_build_is_not_cached():
    cache = SharedCache()

    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get(("k", "z"), boom)
    assert cache.get(("k", "z"), lambda: 1) == 1


def test_aggregates_stay_bounded(frame):
    store = DataStore(frame)
    for lo in range(0, 300):
        store.flights = (0, lo % (store.param.flights.bounds[1] + 1))
        store.name_search = str(lo)
    assert len(AGGREGATES) <= AGGREGATES.maxsize


@pytest.mark.load
def test_ten_concurrent_sessions_no_errors_and_memory_returns():
    """10 concurrent Bokeh client sessions (the full page: document ready sent) against a
    served dashboard with short unused-session lifetimes, twice: no errors, the server drops
    every closed session, and the memory they took comes back to the server: the second ten
    sessions reuse it instead of growing the process (bounded). (CPython keeps freed memory
    for reuse rather than handing it to the OS, so RSS itself stays near its peak.)"""
    from tests.loadclient import SpacedataServer, run_load

    args = ["--check-unused-ms", "500", "--unused-lifetime-ms", "500"]
    with SpacedataServer(args=args, env={"PANEL_LOG_LEVEL": "info"}) as srv:
        run_load(srv.url, srv.proc.pid, 2, settle_s=0.5, close_wait_s=0)  # warm-up
        first = run_load(srv.url, srv.proc.pid, 10, settle_s=1.0, close_wait_s=5.0)
        second = run_load(srv.url, srv.proc.pid, 10, settle_s=1.0, close_wait_s=5.0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(alive(srv.log_text())) > 1:
            time.sleep(0.5)
        log = srv.log_text()
    for report in (first, second):
        assert report.errors == [], report.errors
        assert len(report.ready_s) == 10
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    # every closed session was dropped; only the page `spacedata serve` builds at start to
    # warm up (no client) may remain
    assert len(alive(log)) <= 1, alive(log)
    grown = first.rss_open_mb - first.rss_idle_mb
    assert grown > 0, first.lines()
    # the second ten mostly fit in what the first ten gave back (slack: allocator, caches)
    assert second.rss_open_mb <= first.rss_open_mb + max(0.5 * grown, 4.0), (
        first.lines(),
        second.lines(),
    )
    assert second.rss_closed_mb <= first.rss_closed_mb + max(0.5 * grown, 4.0)


def alive(log: str) -> set[str]:
    """Documents Panel logged as launched and not (yet) destroyed."""
    launched = set(re.findall(r"Session (\d+) launching", log))
    return launched - set(re.findall(r"Session (\d+) destroyed", log))


def test_the_scatter_sends_aggregates_beyond_its_threshold(real_records):
    from spacedata import plots
    from spacedata.dashboard import views
    from spacedata.synthetic import resample
    from spacedata.tidy import build_tables

    big = build_tables(
        resample(real_records, 2000, seed=3), spacedata.bundled_snapshot().provenance
    ).wide()
    per_row = plots.flights_vs_time_in_space(big, compact=True)
    binned = plots.flights_vs_time_in_space(big, compact=True, bin_above=1000)
    assert sum(len(t.x) for t in per_row.data) == len(big)
    (trace,) = binned.data
    counts = [int(c[0]) for c in trace.customdata]
    shown = int((big["time_in_space_days"] > 0).sum())
    assert sum(counts) == shown  # every spacecraft with time in space is in one bin
    assert len(trace.x) == len(set(zip(trace.x, trace.y, strict=True))) < len(big) / 4
    assert f"{len(big):,} spacecraft in bins" in binned.layout.title.text
    assert "(synthetic " in per_row.to_json()  # per row: every spacecraft's name goes out
    assert "(synthetic " not in binned.to_json()  # binned: counts only
    # the dashboard bins only beyond SCATTER_BIN_ABOVE; below it, one point per spacecraft
    scatter = views.Charts.builders["scatter"]
    assert scatter.keywords["bin_above"] == views.SCATTER_BIN_ABOVE
    assert sum(len(t.x) for t in scatter(big).data) == len(big)


def _merged(model) -> list[dict]:
    """A PlotlyPlot model's traces as plotly.js gets them: each trace's JSON with the arrays
    of its data source put back at their paths (as Panel's plotly.ts does); arrays as lists,
    dates as text."""
    import copy

    import numpy as np

    def norm(v):
        if isinstance(v, np.ndarray):
            return (v.astype(str) if v.dtype.kind == "M" else v).tolist()
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    out = []
    for trace, source in zip(model.data, model.data_sources, strict=True):
        trace = copy.deepcopy(trace)
        for path, (array,) in source.data.items():
            *parents, last = path.split(".")
            node = trace
            for part in parents:
                node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
            node[last] = array
        out.append(norm(trace))
    return out


def test_chart_panes_send_what_panels_pane_sends_with_one_source_a_chart(frame):
    """ChartPane: the very traces Panel's own Plotly pane gives plotly.js, for every chart of
    both views, but one (empty) Bokeh data source shared by a chart's traces instead of one
    per trace (three models each). It failed before: 47 sources for the six charts."""
    import panel as pn

    from spacedata.dashboard.views import ChartPane, TimeCharts

    store = DataStore(frame, spacedata.load_flights("bundled"))
    figures = {**Charts(store).shared_figures(), **TimeCharts(store).shared_figures()}
    for key, fig in figures.items():
        ours, panels = ChartPane(fig).get_root(), pn.pane.Plotly(fig).get_root()
        assert _merged(ours) == _merged(panels), key
        assert len({id(s) for s in ours.data_sources}) == 1, key
        assert all(not s.data for s in ours.data_sources), key


def test_a_long_array_keeps_a_source_of_its_own():
    """A trace with more than INLINE_VALUES values still goes as binary in a source of its own;
    a trace that grows long on an update gets a new source rather than writing into the one
    the other traces share."""
    import numpy as np
    import plotly.graph_objects as go

    from spacedata.dashboard.views import INLINE_VALUES, ChartPane

    long = np.arange(INLINE_VALUES + 1, dtype=float)
    fig = go.Figure([go.Scatter(x=long, y=long), go.Bar(x=["a"], y=[1]), go.Bar(x=["b"], y=[2])])
    pane = ChartPane(fig)
    model = pane.get_root()
    own, first, second = model.data_sources
    assert set(own.data) == {"x", "y"} and first is second and not first.data
    assert _merged(model) == _merged(pn_pane(fig))

    pane.object = go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=long, y=long), go.Bar()])
    shared = [s for s in model.data_sources if not s.data]
    assert len(shared) == 2 and all(not s.data for s in shared)
    assert set(model.data_sources[1].data) == {"x", "y"}
    assert model.data_sources[1] is not model.data_sources[2]
    assert _merged(model) == _merged(pn_pane(pane.object))


def test_the_charts_of_one_page_share_one_empty_source():
    """On a served page every chart's traces with no array left share the document's one empty
    source (three models a page, not three a chart: 18 -> 3 for the six charts); a trace of
    one chart that grows long on an update gets a source of its own, and the other charts'
    source stays empty. Two pages never share one. It failed before: one source a chart."""
    import numpy as np
    import plotly.graph_objects as go
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    from spacedata.dashboard.views import INLINE_VALUES, ChartPane

    bars = go.Figure([go.Bar(x=["a"], y=[1]), go.Bar(x=["b"], y=[2])])
    docs, sources = [Document(), Document()], []
    for doc in docs:
        with set_curdoc(doc):
            panes = [ChartPane(bars), ChartPane(go.Figure([go.Bar(x=["c"], y=[3])]))]
            models = [pane.get_root(doc) for pane in panes]
        sources.append({id(s) for m in models for s in m.data_sources})
        assert len(sources[-1]) == 1
    assert sources[0].isdisjoint(sources[1])

    long = np.arange(INLINE_VALUES + 1, dtype=float)
    with set_curdoc(docs[1]):
        panes[1].object = go.Figure([go.Scatter(x=long, y=long)])
    (own,) = models[1].data_sources
    assert set(own.data) == {"x", "y"}
    assert all(not s.data for s in models[0].data_sources)
    assert _merged(models[1]) == _merged(pn_pane(panes[1].object))


def pn_pane(fig):
    import panel as pn

    return pn.pane.Plotly(fig).get_root()


def _served_page(query=None):
    """The default page built into a document that counts as served, with the onload work
    done (:func:`tests.loadclient.served_page`); the document, its models by kind, and the
    page."""
    import collections

    from tests.loadclient import served_page

    doc, page = served_page(query)
    return doc, collections.Counter(type(m).__name__ for m in doc.models), page


def test_each_pair_of_charts_is_one_grid_that_hides_when_nothing_matches(frame):
    """A row of charts is one layout (it was a grid inside a column that hid it): the grid
    holds the charts and hides by its class while no spacecraft match."""
    store = DataStore(frame)
    rows = Charts(store).rows()
    assert [len(row.objects) for row in rows] == [2, 2, 2]
    assert all(type(p).__name__ == "ChartPane" for row in rows for p in row.objects)
    assert all("sd-chart-grid" in row.css_classes for row in rows)
    assert not any("sd-hidden" in row.css_classes for row in rows)
    store.name_search = "no spacecraft is called this"
    assert all("sd-hidden" in row.css_classes for row in rows)
    store.name_search = ""
    assert not any("sd-hidden" in row.css_classes for row in rows)


@pytest.fixture
def places(monkeypatch):
    """The places of the page's parts built on demand (:func:`~spacedata.dashboard.page.when_shown`
    markers), in the order they are made."""
    from spacedata.dashboard import page as page_module

    made = []

    class Place(page_module.WhenShown):
        def __init__(self, **params):
            super().__init__(**params)
            made.append(self)

    monkeypatch.setattr(page_module, "WhenShown", Place)
    return made


def _scroll_to(doc, place) -> Counter:
    """What the browser reports when ``place`` nears the screen; the models by kind after."""
    from panel.io.state import set_curdoc

    with set_curdoc(doc):
        place.shown = True
    return Counter(type(m).__name__ for m in doc.models)


def test_the_default_page_stays_small(places):
    """What a viewer of the default view's first screen costs the server, in Bokeh models
    (each built, serialised and sent per session; benchmarks/bench_sessions.py measures the
    time): the page, what Panel builds after document ready included. It was 243 models, 141
    of them the per-trace data sources of the six charts; then 121 with the records table,
    which is built only once a viewer scrolls to it (:func:`~spacedata.dashboard.page.when_shown`);
    then 58 with all six charts; the lower four are built as a viewer scrolls to them."""
    doc, kinds, _ = _served_page()
    assert kinds["PlotlyPlot"] == 2 and kinds["DataTabulator"] == 0, kinds
    assert kinds["ColumnDataSource"] == 1, kinds  # one for the page: it was one a chart
    # Panel's template roots the page never uses: its actions, script area and browser info
    assert not {"TemplateActions1", "BrowserInfo"} & set(kinds), kinds
    assert kinds["HTML"] == 4, kinds  # the script area was a fifth
    assert kinds["Column"] <= 7, kinds  # a chart row was two: one to hide, one the grid
    assert len(doc.models) <= 50, kinds  # 58 with six charts; 121 with the table
    # the server skips Bokeh's document checks (tune_gc_for_serving): here they find nothing
    assert not _integrity_issues(doc)


def test_the_lower_charts_and_the_table_are_built_as_a_viewer_scrolls_to_them(places, monkeypatch):
    """Below the first two charts, each pair of charts and then the records table is built
    once its place nears the screen, in page order: a viewer who reads the first screen (a
    phone shows one chart) costs two charts, not six, and no table. A pair built after a
    filter change draws that filter state, and later changes reach it."""
    from spacedata.dashboard import page as page_module

    made = []

    class Made(Charts):
        def __init__(self, store, **params):
            super().__init__(store, **params)
            made.append(self)

    monkeypatch.setattr(page_module, "Charts", Made)
    doc, kinds, _ = _served_page()
    (charts,) = made

    def lower() -> list:  # the main area's places so far
        return [p for p in places if "sd-filters-place" not in p.css_classes]

    (place,) = lower()
    assert "sd-chart-place" in place.css_classes and kinds["PlotlyPlot"] == 2
    assert sorted(charts.panes) == ["flights_by_agency", "time_by_agency"]

    charts.store.agency = ["NASA"]  # a filter set before the next pair is built
    after = _scroll_to(doc, place)
    assert after["PlotlyPlot"] == 4 and after["DataTabulator"] == 0, after
    assert len(lower()) == 2 and "sd-chart-place" in lower()[1].css_classes
    assert not _integrity_issues(doc)

    after = _scroll_to(doc, lower()[1])
    assert after["PlotlyPlot"] == 6 and after["DataTabulator"] == 0, after
    assert len(lower()) == 3 and "sd-records-place" in lower()[2].css_classes

    after = _scroll_to(doc, lower()[2])
    assert after["DataTabulator"] == 1 and after["FileDownload"] == 1, after
    assert len(lower()) == 3  # the table is the last part
    assert not _integrity_issues(doc)

    # every chart, those built late too, draws the session's filter state
    frame = charts.store.data
    nasa = Charts(DataStore(frame, agency=["NASA"]), validate=False).shared_figures()
    assert sorted(charts.panes) == sorted(nasa)
    for key, pane in charts.panes.items():
        assert pane.object is nasa[key], key
    charts.store.agency = []
    default = Charts(DataStore(frame), validate=False).shared_figures()
    for key, pane in charts.panes.items():
        assert pane.object is default[key], key


def test_the_filters_are_built_once_the_sidebar_is_shown(places):
    """The sidebar's filter widgets are built once their place is shown: at once beside a
    desktop's page, when its drawer is opened on a phone (where they sit closed), never for a
    viewer who does neither (~18 ms and 15 models a session in-process)."""
    doc, kinds, _ = _served_page()
    assert kinds["Picker1"] == kinds["Checkbox"] == kinds["RangeSlider"] == 0, kinds
    (filters,) = [p for p in places if "sd-filters-place" in p.css_classes]
    after = _scroll_to(doc, filters)
    assert after["Picker1"] == 4 and after["Checkbox"] == 2, after
    assert after["TextInput"] == 1 and after["RangeSlider"] == 1, after
    assert after["Button"] == kinds["Button"] + 1, after  # Reset filters
    assert not _integrity_issues(doc)


def test_the_through_time_view_is_built_when_its_tab_is_first_shown(monkeypatch):
    """The *Through time* view (its charts, provenance, chips and date slider) is built when
    its tab is first shown, or at once when the URL asks for it (~5-8 ms a session for every
    viewer who never opens it)."""
    from panel.io.state import set_curdoc

    from spacedata.dashboard import page as page_module

    made = []

    class Made(page_module.TimeCharts):
        def __init__(self, store, **params):
            super().__init__(store, **params)
            made.append(self)

    monkeypatch.setattr(page_module, "TimeCharts", Made)
    doc, kinds, page = _served_page()
    assert made == [] and kinds["DateRangeSlider"] == 0
    tabs = page.main[0]
    with set_curdoc(doc):
        tabs.active = 1
        tabs.active = 0
        tabs.active = 1
    assert len(made) == 1  # once
    _served_page({"view": [b"time"]})
    assert len(made) == 2


def test_a_view_updated_while_hidden_links_no_stylesheet_off_the_server():
    """Back and Forward change the filters while a view is a hidden tab; its panes are updated
    there, where their models have no document, and Panel then built their stylesheet links
    with cdn.holoviz.org (the page must ask nothing of another host). The steps of
    tests/test_dashboard_history.py, in-process."""
    from bokeh.models import ImportedStyleSheet
    from panel.io.state import set_curdoc

    made = []
    doc, _, page = _served_page()

    def off_the_server() -> list:
        return [
            (type(m).__name__, sheet.url)
            for m in doc.models
            for sheet in getattr(m, "stylesheets", None) or []
            if isinstance(sheet, ImportedStyleSheet) and "://" in sheet.url
        ]

    tabs, history = page.main[0], page.main[1]
    with set_curdoc(doc):
        tabs.active = 1
        top = tabs.objects[1].objects  # the Through time view, built
        assert top and off_the_server() == []
        for seq, query in enumerate(
            [
                "?agency=NASA&view=time",
                "?agency=NASA",
                "",
                "?agency=NASA",
                "?agency=NASA&view=time",
            ],
            start=1,
        ):
            history.popped = {"search": query, "seq": seq}
            made.append((query, off_the_server()))
    assert [found for _, found in made] == [[]] * len(made), made


def test_the_first_place_arrives_with_the_onload_work():
    """The first place of the lower charts is not drawn with the page's first paint: drawn
    then, it sometimes reported itself shown and the server never heard of it (the browser's
    model said shown, the server received no change: 3 of 6 runs of
    tests/test_dashboard_browser.py on two workers), and the page stayed at two charts."""
    from tests.loadclient import served_page

    def drawn_places(doc) -> int:
        return sum("sd-chart-place" in (getattr(m, "css_classes", None) or []) for m in doc.models)

    first_paint, _ = served_page(onload=False)
    assert drawn_places(first_paint) == 0
    loaded, _ = served_page()
    assert drawn_places(loaded) == 1


def _integrity_issues(doc) -> list:
    """Bokeh's validation of a document's models (what BOKEH_VALIDATE_DOC runs per session)."""
    from bokeh.core.validation import check_integrity

    issues = check_integrity(doc.models)
    return [*issues.error, *issues.warning]


def test_a_figure_is_turned_into_json_once_and_its_template_sends_only_the_types_drawn(frame):
    """Two sessions in one filter state send the same trace and layout objects (computed once
    per figure: :meth:`ChartPane._sent_json`, not once a pane), and each chart's plotly
    template carries the per-trace-type defaults of the types it draws only (it carried those
    of 24 types: 4.3 of its 7.1 KB)."""
    from spacedata.dashboard.views import ChartPane

    first, second = all_charts(DataStore(frame)), all_charts(DataStore(frame))
    for key, pane in first.panes.items():
        other = second.panes[key]
        assert other.object is pane.object
        sent, again = (ChartPane._plotly_json_wrapper(p.object) for p in (pane, other))
        assert sent["layout"] is again["layout"]
        assert all(a is b for a, b in zip(sent["data"], again["data"], strict=True))
        drawn = {t.get("type", "scatter") for t in sent["data"]}
        whole = pane.object.layout.template.data.to_plotly_json()  # the figure keeps it all
        assert len(whole) > 20
        assert set(sent["layout"]["template"]["data"]) == drawn & set(whole), key


def test_a_serving_process_keeps_full_collections_rare():
    """The served app tunes the collector once per process (:func:`tune_gc_for_serving`):
    what is loaded by then frozen out of the collector's sight, and full collections only
    after :data:`SERVING_FULL_GC_EVERY` middle ones, not CPython's 10 (they cost 100-120 ms
    per session with 20 opening at once). In a subprocess: it changes the process."""
    import subprocess
    import sys

    code = (
        "import gc\n"
        "from spacedata.dashboard.data import SERVING_FULL_GC_EVERY, tune_gc_for_serving\n"
        "before = gc.get_threshold()\n"
        "assert tune_gc_for_serving() and not tune_gc_for_serving()\n"
        "after = gc.get_threshold()\n"
        "assert after == (before[0], before[1], SERVING_FULL_GC_EVERY) != before, after\n"
        "assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
        "from bokeh.settings import settings\n"
        "assert settings.perform_error_diagnostics() is False\n"
        "assert settings.perform_document_validation() is False\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_served_app_tunes_the_collector_only_in_a_server(monkeypatch):
    """:func:`~spacedata.dashboard.app.app` tunes the collector in a server session only, not
    when a notebook or a test builds the page."""
    from spacedata.dashboard import app as app_module

    calls = []
    monkeypatch.setattr(app_module, "tune_gc_for_serving", lambda: calls.append(1))
    app_module.app()
    assert calls == []


def test_building_the_page_computes_its_model_graph_once(monkeypatch):
    """Bokeh recomputes a document's whole model graph whenever a root is added, and Panel's
    template adds seven: building a session's page computes it once."""
    from bokeh.document.models import DocumentModelManager

    computed = []
    original = DocumentModelManager.recompute

    def recompute(self):
        computed.append(1)
        return original(self)

    monkeypatch.setattr(DocumentModelManager, "recompute", recompute)
    import panel as pn
    from panel.io.state import set_curdoc

    from tests.loadclient import served_page

    doc, _ = served_page(onload=False)
    assert len(computed) == 1
    assert len(doc.roots) >= 5  # main, sidebar, header, location...
    assert {type(m).__name__ for m in doc.models} >= {"Tabs", "PlotlyPlot", "UrlHistory1"}
    with set_curdoc(doc):
        pn.state._on_load(doc)


def test_a_served_page_loads_its_components_modules_by_url():
    """The dashboard's own components (pickers, chips, history, the table's place) send the
    URL of their ES module and stylesheet, served by the dashboard and cached by the browser,
    not ~48 KB of source in every session's document; a notebook gets them inline."""
    import urllib.request
    from urllib.parse import urljoin

    from bokeh.client import pull_session

    from spacedata._static import MODULES
    from spacedata.dashboard import Picker
    from tests.loadclient import SpacedataServer, _ready, _receive, _reveal

    by_url = {f"{name}.js": path for name, path in MODULES.items()}

    def components(session) -> list:
        return [m for m in list(session.document.models) if type(m).__name__ == "ReactiveESM"]

    def pull(url: str) -> dict:
        session = pull_session(url=url)
        try:
            _ready(session)  # the sidebar's pickers and the table's place come after it
            _reveal(session, ("sd-filters-place",))  # the sidebar shown: its pickers built
            _receive(session, lambda: len({m.class_name for m in components(session)}) >= 4, 30)
            return {m.class_name: m for m in components(session)}
        finally:
            session.close()

    with SpacedataServer() as srv:
        with ThreadPoolExecutor(1) as pool:  # the client's own event loop, off pytest's
            sent = pool.submit(pull, srv.url).result()
        assert set(sent) == {"Picker", "FilterChips", "UrlHistory", "WhenShown"}
        for name, model in sent.items():
            assert model.bundle == "url", name
            assert "export function render" not in model.esm, name
            assert re.match(
                r"(\./|(\.\./)+)components/spacedata\._static/Assets/_bundle_path/", model.esm
            )
            file = by_url[model.esm.rsplit("/", 1)[-1]]
            with urllib.request.urlopen(urljoin(srv.url, model.esm), timeout=10) as reply:
                assert reply.read().decode() == file.read_text(encoding="utf-8"), name
            css = file.with_suffix(".css")
            if css.is_file():
                inline = [s for s in model.stylesheets if isinstance(s, str)]
                assert not any(css.read_text(encoding="utf-8") in s for s in inline), name
                with urllib.request.urlopen(urljoin(srv.url, model.css_bundle), timeout=10) as r:
                    assert r.read().decode() == css.read_text(encoding="utf-8"), name
            else:
                assert model.css_bundle is None, name
    # outside a server (a notebook), the module and its stylesheet travel inline
    model = Picker(options=["a", "b"]).get_root()
    assert "export function render" in model.esm
    assert MODULES["picker"].with_suffix(".css").read_text(encoding="utf-8") in model.stylesheets


def test_the_pages_own_components_share_their_parameter_objects():
    """Panel looks up every parameter of a component while building its model, and param
    copies a Parameter per instance on each first lookup or set: the page's own components
    (pickers, chips, history, the table's place, the charts) keep none of their own."""
    import param

    from spacedata.dashboard import widgets
    from spacedata.dashboard.views import ChartPane, FilterChips

    own = (widgets.Picker, widgets.UrlHistory, widgets.WhenShown, FilterChips, ChartPane)
    doc, kinds, page = _served_page()
    (filters,) = page.sidebar[1].select(widgets.WhenShown)
    _scroll_to(doc, filters)  # the sidebar shown: its pickers built
    built = [o for o in page.main[0].select() + page.sidebar[1].select() if isinstance(o, own)]
    built += [o for o in page.main if isinstance(o, own)]
    assert {type(o) for o in built} == set(own)
    assert [o for o in built if o._param__private.params] == []
    # their values stay their own
    pickers = [o for o in built if isinstance(o, widgets.Picker)]
    pickers[0].value = ["NASA"]
    assert pickers[1].value != ["NASA"] and widgets.Picker.param.value.default == []
    assert isinstance(widgets.Picker.param.value, param.List)
