"""The dashboard page: the template, its assets, and :func:`build_app`, which lays out one
session's store and views.

Nothing on the page comes from outside its server: plotly.js, the page's stylesheet and script
are served from ``spacedata/_static`` (:class:`spacedata._static.Assets`), the template's web
font is dropped for system fonts, and Panel's own stylesheets are pinned to the server (see
:func:`_serve_panel_css_locally`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import panel as pn
from bokeh.io import curdoc
from panel.io.resources import LOCAL_DIST, component_resource_path
from panel.models.plotly import PlotlyPlot

from .._static import PLOTLY_JS, Assets
from .data import SharedData, release_memory_later
from .store import FILTER_NAMES, DataStore
from .table import RecordsTable
from .views import ActiveFilters, Charts, KPIs, NoFlights, NoMatch, ProvenanceView, TimeCharts
from .widgets import HEADING_CSS, UrlHistory, WhenShown

TITLE = "Spacecraft — Launch Library 2"
#: The trace types in the plotly.js cartesian bundle; every figure in :mod:`spacedata.plots`
#: uses only these.
PLOTLY_TRACES = frozenset(
    "bar box contour heatmap histogram histogram2d histogram2dcontour image pie scatter "
    "scatterternary violin".split()
)


class Template(pn.template.VanillaTemplate):
    """The dashboard page: Panel's VanillaTemplate, which needs no web-component framework
    (FastListTemplate's costs ~0.1 s to the first chart and ~0.3 s to all six), plus the
    assets in :class:`spacedata._static.Assets` (plotly.js's cartesian bundle, the responsive
    page stylesheet and the sidebar script) and no web font. Below 800 px wide the sidebar is
    a drawer over the page, closed at first, opened by the header's Filters button.

    Load the extensions with :func:`load_extensions`, which keeps Panel from adding its own
    full plotly.js bundle to the page.
    """

    _resources = {"css": {}}  # VanillaTemplate's Google Fonts stylesheet: system fonts instead

    #: The page: VanillaTemplate's, without the roots of :attr:`_unused_roots`.
    _template = Path(__file__).with_name("page.html")

    #: Roots Panel's templates add to every session that this page never uses: a Python
    #: API to open the modal and toggle the sidebar (dashboard.js does the sidebar) and an
    #: area to run scripts from Python (2 models and a few ms a session of the ~30 ms the
    #: template costs; benchmarks/bench_sessions.py). Panel's Location stays, unused as it is
    #: (:class:`~.widgets.UrlHistory` keeps the URL): without it, a stylesheet built after
    #: Back came from cdn.holoviz.org (tests/test_dashboard_history.py).
    _unused_roots = ("actions", "js_area")

    def __init__(self, **params):
        super().__init__(**params)
        for name in self._unused_roots:
            self._render_items.pop(name, None)

    def server_doc(self, doc=None, title=None, location=True):
        # Bokeh recomputes a document's whole model graph each time a root is added: Panel's
        # templates add seven (~7 ms a session); frozen, the graph is computed once at the end
        doc = doc or pn.state.curdoc or curdoc()
        with doc.models.freeze():
            return super().server_doc(doc, title=title, location=location)

    def _build_layout(self):
        # Panel builds a notebook preview (a repr, a button to launch a server) for every
        # template, on every session: the served page never shows it
        return pn.Column()

    def resolve_resources(self, cdn="auto", extras=None):
        resources = super().resolve_resources(cdn=cdn, extras=extras)
        for path in Assets._js:
            resources["js"][path.name] = component_resource_path(Assets, "_js", path)
        for path in Assets._css:
            resources["css"][path.name] = component_resource_path(Assets, "_css", path)
        return resources


def load_extensions(**config) -> None:
    """``pn.extension("plotly", "tabulator", **config)`` for the served page (without Panel's
    browser-info model, which :class:`Template` does not embed), whose plotly.js comes from
    :class:`Template` (:data:`spacedata._static.PLOTLY_JS`).

    Panel has no setting for a smaller plotly.js: its Plotly model lists the full bundle as a
    page resource, so that list is emptied here. Call it in the server process only; a
    notebook keeps Panel's full bundle. Without the bundle file (a Panel expecting another
    plotly.js version), Panel's own bundle stays: slower, but the charts work.
    """
    # browser_info: Panel's per-session model of the browser's settings, which nothing reads
    pn.extension("plotly", "tabulator", browser_info=False, **config)
    if PLOTLY_JS.is_file():
        PlotlyPlot.__javascript__ = []


def when_shown(*parts: tuple[Callable[[], object], str]) -> pn.Column:
    """A column that builds ``parts``, each ``(build, css_class)``, one after the other as a
    viewer scrolls: a part once its place nears the screen (:class:`~.widgets.WhenShown`), so
    a viewer who never goes there costs the server nothing for it. A place is a 1 px marker
    (CSS class ``css_class``) below the parts built so far; the first comes with the onload
    work (drawn with the page's first paint, a place sometimes reported itself shown and the
    server never heard of it: tests/test_dashboard_load.py). Outside a server: all at once."""
    column = pn.Column(sizing_mode="stretch_width", margin=0)
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        column.extend(build() for build, _ in parts)
        return column

    def place(index: int) -> WhenShown:
        build, css_class = parts[index]
        marker = WhenShown(height=1, margin=0, sizing_mode="stretch_width", css_classes=[css_class])

        def show(event) -> None:
            if event.new:
                following = [place(index + 1)] if index + 1 < len(parts) else []
                column.objects = [*column.objects[:-1], build(), *following]

        marker.param.watch(show, "shown")
        return marker

    pn.state.onload(lambda: column.append(place(0)))
    return column


def _serve_panel_css_locally() -> None:
    """Point this session's Panel stylesheets at the server, before any model is built.

    Panel creates each component's stylesheet links with its CDN (cdn.holoviz.org) and
    rewrites them to the server only when it renders the session's HTML page. When the page
    takes longer to load than Bokeh keeps an unused session (15 s by default, easily reached
    with many pages opening at once), Bokeh drops the session and rebuilds it from the
    websocket, and that rebuilt session never gets the rewrite: every component then asks
    cdn.holoviz.org for its CSS. Setting the document's ``dist_url`` first, as the page
    render would, makes every stylesheet local from the start. (A private Bokeh/Panel
    attribute; ``tests/test_dashboard_offline.py`` fails if that stops working.)
    """
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return
    rel = pn.state.rel_path
    doc._template_variables.setdefault("dist_url", f"{rel}/{LOCAL_DIST}" if rel else LOCAL_DIST)


#: Tabs a thumb can hit on a phone.
_TABS_CSS = """
.bk-header .bk-tab { padding: 8px 16px; font-size: 15px; }
.bk-header .bk-tab.bk-active { font-weight: 600; }
.bk-header .bk-tab:focus-visible { outline: 3px solid #1d4f91; outline-offset: -3px; }
"""

#: The page's two views, as tabs, by their URL value (``?view=time``); the first is the default.
VIEWS = {"spacecraft": "Spacecraft", "time": "Through time"}


def _view_from(query_args: dict) -> tuple[int, list[str]]:
    """The tab ``?view=`` asks for (index), and a notice if it names none."""
    raw = query_args.pop("view", None)
    if not raw:
        return 0, []
    text = raw[-1].decode("utf-8", "replace") if isinstance(raw[-1], bytes) else str(raw[-1])
    if text in VIEWS:
        return list(VIEWS).index(text), []
    return 0, [f"Ignored view={text!r} in the URL (use {' or '.join(VIEWS)})."]


def _query(store: DataStore, tabs: pn.Tabs) -> str:
    """The URL query of the page's state: the filters (defaults left out) and the tab."""
    query = store.to_query()
    if tabs.active:
        query = (query + "&" if query else "?") + f"view={list(VIEWS)[tabs.active]}"
    return query


def keep_url(store: DataStore, tabs: pn.Tabs) -> UrlHistory:
    """The page's URL as its history (:class:`~.widgets.UrlHistory`): every change of a
    filter or of the tab writes the URL (a new entry, or the same one while a slider is
    dragged); Back and Forward apply the URL they reach, all of it: the filters it leaves out
    go back to their defaults and the tab follows ``?view=``."""
    history = UrlHistory(width=0, height=0, margin=0, css_classes=["sd-history"])
    applying: dict[str, int] = {}  # the seq of the popstate being applied, while it is

    def write(*_) -> None:
        seq = applying.get("seq", history.popped.get("seq", 0))
        history.entry = {"search": _query(store, tabs), "replace": bool(applying), "seq": seq}

    def went(event) -> None:
        search = str(event.new.get("search", ""))
        args = parse_qs(search.removeprefix("?"), keep_blank_values=True)
        active, notices = _view_from(args)
        applying["seq"] = int(event.new.get("seq", 0))
        try:
            store.apply_query(args, whole=True)
            if notices:
                store.notices = store.notices + notices
            tabs.active = active
            write()  # the same query back, canonical: replaces, never a new entry
        finally:
            applying.clear()

    store.param.watch(write, list(FILTER_NAMES))
    tabs.param.watch(write, "active")
    history.param.watch(went, "popped")
    return history


def build_app(
    shared: SharedData, query_args: dict | None = None, *, validate_figures: bool = True
) -> Template:
    """The whole page for one session: its store (filters from ``query_args``, e.g.
    ``pn.state.session_args``), the two views as tabs, and the URL kept in step with the
    filters and the tab. ``validate_figures=False`` (the server's :func:`~.app.app`) skips
    plotly's validation of the charts (~30 ms a filter change at 20,000 rows; the tests build
    every chart validated and check that skipping it changes nothing)."""
    _serve_panel_css_locally()
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.on_session_destroyed(release_memory_later)
    loaded = shared.current  # read once: this session keeps this immutable state
    store = DataStore(loaded.frame, loaded.flights)
    query_args = dict(query_args or {})
    active, view_notices = _view_from(query_args)
    if query_args or view_notices:
        store.apply_query(query_args)
        store.notices = store.notices + view_notices
    charts = Charts(store, validate=validate_figures)

    def build_time_view() -> list:
        return [
            ProvenanceView(store, loaded, flights=True),
            ActiveFilters(store, applies_to=None),
            *store.widgets("flights"),
            NoFlights(store),
            *TimeCharts(store, validate=validate_figures).rows(),
        ]

    # the Through time view is built when its tab is first shown
    time_view = pn.Column(sizing_mode="stretch_width")
    tabs = pn.Tabs(
        (
            VIEWS["spacecraft"],
            pn.Column(
                ProvenanceView(store, loaded),
                ActiveFilters(store),  # the filters set, as chips above the numbers
                KPIs(store),
                NoMatch(store),
                charts.row(0),
                # each lower pair of charts, then the table, is built when a viewer scrolls to
                # it: a phone's first screen shows one chart, a desktop's four (the table ~70
                # ms and ~25 models a session, a pair ~6 ms and ~6 models, saved for every
                # viewer who never goes there; benchmarks/bench_sessions.py)
                when_shown(
                    *(
                        (functools.partial(charts.row, i), "sd-chart-place")
                        for i in range(1, charts.row_count)
                    ),
                    (functools.partial(RecordsTable, store), "sd-records-place"),
                ),
                sizing_mode="stretch_width",
            ),
        ),
        (
            VIEWS["time"],
            time_view,
        ),
        active=active,
        dynamic=True,  # a view is built in the browser when first shown
        sizing_mode="stretch_width",
        css_classes=["sd-views"],
        stylesheets=[_TABS_CSS],
    )

    def show_time_view(*_) -> None:
        if tabs.active == list(VIEWS).index("time") and not time_view.objects:
            time_view.objects = build_time_view()

    tabs.param.watch(show_time_view, "active")
    show_time_view()
    history = keep_url(store, tabs)
    return Template(
        title=TITLE,
        # the filter widgets are built once the sidebar is shown, after the first charts are
        # drawn: at once beside a desktop's page; on a phone, where they sit in a closed
        # drawer, when the drawer opens (~18 ms and 15 models a session saved for every
        # viewer who never opens it; benchmarks/bench_sessions.py)
        sidebar=[
            pn.pane.HTML(
                "<h2 class='sd-heading'>Filters</h2>", margin=(0, 10), stylesheets=[HEADING_CSS]
            ),
            when_shown((lambda: store, "sd-filters-place")),
        ],
        main=[tabs, history],
        header_background="#4c78a8",
        sidebar_width=320,
        busy_indicator=None,  # a spinner for a 0.1 s update costs more server time than it saves
        meta_viewport="width=device-width, initial-scale=1",
    )
