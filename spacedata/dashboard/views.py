"""The dashboard's views: each takes a :class:`~spacedata.dashboard.store.DataStore` and draws
one thing from ``store.filtered``, through ``pn.bind`` (text, visibility) or a
``param.depends("store.filtered", watch=True)`` method (charts, numbers, table: one update for
several panes), so a filter change reaches every view in one patch.

* :class:`View`: what they share: the store they draw from.
* :class:`ProvenanceView`: the one provenance line of the page, and any notices.
* :class:`ActiveFilters`: the filters set, as chips that remove them (:class:`FilterChips`).
* :class:`KPIs`: four numbers, each with what it counts or sums and its share.
* :class:`Charts`: the six plotly charts, in a grid that is two wide on a wide screen and one
  wide on a narrow one; hidden when nothing matches.
* :class:`TimeCharts`: the "Through time" charts of the flights.
* :class:`NoMatch`: when nothing matches, the one message that says which filters exclude
  everything and offers a reset; :class:`NoFlights`, its flights counterpart.
* :class:`~spacedata.dashboard.table.RecordsTable` (in :mod:`.table`, a view on this base):
  the rows (a Tabulator that fits its container) and a CSV download.

Everything from the data is shown as text (escaped HTML, Tabulator's plaintext formatters). The
words shared by several views (and the charts' empty messages) are in :mod:`.words`.

What a filter state produces (the six figures, the KPI figures, the table's frame) comes from
the store's shared aggregates (:meth:`DataStore.shared`): built once per server process for a
given data version and filter state, then shared read-only by every session in that state.
The figures are shared too, so the panes do not link back into them (``link_figure=False``).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import logging
import threading
import weakref
from collections import Counter

import numpy as np
import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource
from panel.viewable import Layoutable
from param.parameterized import no_instance_params

from .. import plots
from .._static import MODULES
from ..citation import cite
from ..config import CREDIT
from ..provenance import Provenance
from . import words
from .cache import AGGREGATES, data_version
from .data import Loaded
from .filters import Filter
from .store import FILTERS, DataStore
from .widgets import HTML, Module
from .words import (
    BUNDLED_ABOUT,
    FIGURE_TEXT,
    HOW_TO_FETCH_FLIGHTS,
    NO_FLIGHT_MATCH,
    NO_FLIGHTS,
    NO_MATCH,
)

log = logging.getLogger("spacedata")


def summary(df: pd.DataFrame) -> dict[str, float]:
    """The KPI figures of a spacecraft frame: spacecraft, flights, years in space, in space
    now. Flights are the sum of each craft's ``flights_count``, LL2's count of the flights it
    has flown (a craft waiting for its first launch counts 0; planned flights never count)."""
    return {
        "spacecraft": len(df),
        "flights": int(df["flights_count"].sum()),
        "years": float(df["time_in_space_days"].sum() / plots.DAYS_PER_YEAR),
        "in_space": int(df["in_space"].fillna(False).sum()),
    }


_TEXT_CSS = """
.sd-provenance { font-size: 15px; line-height: 1.5; padding: 8px 12px; background: #f4f6fa;
  border-left: 4px solid #4c78a8; overflow-wrap: anywhere; }
@media (max-width: 600px) { .sd-provenance { font-size: 14px; line-height: 1.4; } }
.sd-partial { color: #7a4300; }
.sd-details summary { cursor: pointer; color: #2a4f7a; margin-top: 4px; min-height: 24px;
  display: list-item; line-height: 24px; }
.sd-details summary:focus-visible { outline: 3px solid #1d4f91; outline-offset: 2px; }
.sd-details p { margin: 4px 0; }
.sd-warn { display: block; color: #a00; }
.sd-notice { margin-top: 6px; padding: 6px 12px; background: #fff4e0;
  border-left: 4px solid #f58518; font-size: 15px; overflow-wrap: anywhere; }
.sd-nomatch { font-size: 15px; line-height: 1.5; padding: 10px 14px; background: #fff4e0;
  border-left: 4px solid #f58518; overflow-wrap: anywhere; }
.sd-nomatch b { font-size: 16px; }
.sd-nomatch ul { margin: 6px 0 0; padding-left: 20px; }
"""


class View(pn.viewable.Viewer):
    """A view of the page: it takes the session's :class:`DataStore` and draws one thing from
    it (as in Panel's DataStore pattern)."""

    store = param.ClassSelector(class_=DataStore, doc="The store whose rows this view draws.")

    def __init__(self, store: DataStore, **params):
        super().__init__(store=store, **params)


class ProvenanceView(View):
    """A view's one provenance line: source, as-of, records shown of the endpoint's count,
    completeness, what changed since the previous snapshot, credit; then any notices (e.g.
    ignored URL values), at body size or more.

    ``flights=True``: the line of the flights (``store.flights_filtered``), for the "Through
    time" view; else of the spacecraft (``store.filtered``).
    """

    def __init__(
        self, store: DataStore, shared: Loaded | None = None, *, flights: bool = False, **params
    ):
        super().__init__(store, **params)
        self.shared = shared
        self.noun = "flights" if flights else "spacecraft"
        self.endpoint = "spacecraft flights" if flights else "spacecraft"
        frame = store.param.flights_filtered if flights else store.param.filtered
        # the data's, not the filters': built once, not on every filter change
        self.details = self._details(store.flights_data if flights else store.data)
        self.pane = HTML(
            pn.bind(self._html, frame, store.param.notices),
            sizing_mode="stretch_width",
            css_classes=["sd-provenance-pane", f"sd-provenance-{self.noun}"],
            stylesheets=[_TEXT_CSS],
            margin=(5, 10),
        )

    @property
    def loaded(self) -> pd.DataFrame:
        """The frame before any filter (spacecraft or flights)."""
        return self.store.flights_data if self.noun == "flights" else self.store.data

    def _shown(self, df: pd.DataFrame) -> str:
        """``<b>53</b> spacecraft shown``; ``<b>35</b> flights shown (27 flown, 8 planned)``."""
        text = f"<b>{len(df):,}</b> {self.noun} shown"
        if self.noun == "flights":
            n = plots.flight_status_counts(df)
            split = f"{n['flown']:,} flown, {n['planned']:,} planned"
            if n["unknown"]:
                split += f", {n['unknown']:,} of unknown status"
            text += f" ({split})"
        return text

    def _from_flights(self) -> int:
        """Spacecraft rows known only from the flights (none on the flights line)."""
        if self.noun != "spacecraft" or "seen_in" not in self.loaded.columns:
            return 0
        return int((self.loaded["seen_in"] == "spacecraft_flights").fillna(False).sum())

    def _loaded_detail(self, prov: Provenance) -> str:
        extra = self._from_flights()
        if not extra:
            return ""
        return (
            f" ({prov.records:,} from the spacecraft endpoint, {extra:,} known only from "
            "their flights)"
        )

    def _html(self, df: pd.DataFrame, notices: list[str]) -> str:
        prov = Provenance.from_attrs(df.attrs) if "source" in df.attrs else None
        parts = []
        if prov is None:
            parts.append("<b>Source unknown.</b>")
        elif prov.records == 0 and prov.count is None:
            parts.append(
                f"<b>Source:</b> {html.escape(prov.label)}, which holds no "
                f"{'flight' if self.noun == 'flights' else 'spacecraft'} records."
            )
        else:
            of = f"{prov.count:,}" if prov.count is not None else "an unknown number of"
            dated = f"<b>as of</b> {html.escape(prov.as_of)}" if prov.fetched_at else prov.dated
            parts.append(
                f"<b>Source:</b> {html.escape(prov.label)}, {dated} · {self._shown(df)} of "
                f"{len(self.loaded):,} loaded{self._loaded_detail(prov)}; the {self.endpoint} "
                f"endpoint reports {of}."
            )
            if prov.stale_since:
                parts.append(
                    f"<span class='sd-warn'><b>{html.escape(prov.staleness)}</b>: served past "
                    "its freshness while LL2 could not be reached.</span>"
                )
            if not prov.complete:
                kind = "Partial sample" if prov.source == "bundled" else "Incomplete data"
                what = "flight" if self.noun == "flights" else "spacecraft"
                held = (
                    f"all {prov.records:,} {what} records its host listed, not all of LL2's"
                    if prov.count is not None and prov.records >= prov.count
                    else f"{prov.records:,} of about {of} {what} records"
                )
                extra = self._from_flights()
                plus = f", and {extra:,} spacecraft known only from their flights" if extra else ""
                parts.append(
                    f"<span class='sd-partial'><b>{kind}:</b> {held}{plus}; totals and "
                    "rankings describe these only.</span>"
                )
        if self.shared is not None and self.shared.problem:  # a source skipped: say what
            parts.append(
                f"<span class='sd-warn sd-problem'>{html.escape(self.shared.problem)}</span>"
            )
        if self.shared is not None and self.shared.note:
            parts.append(f"<span class='sd-why'>Showing {html.escape(self.shared.note)}.</span>")
        rejected = self.shared.rejected_text(self.noun == "flights") if self.shared else None
        if rejected:  # records the source gave that could not be used: counted, then listed
            parts.append(f"<span class='sd-warn sd-rejected'>{html.escape(rejected[0])}</span>")
            parts.append(
                "<details class='sd-details sd-rejected-details'><summary>About this data: "
                "records that could not be used</summary><ul>"
                + "".join(f"<li>{html.escape(line)}</li>" for line in rejected[1])
                + "</ul></details>"
            )
        if self.shared is not None and self.shared.changes:
            parts.append(f"<span class='sd-changes'>{html.escape(self.shared.changes)}</span>")
        if self.shared is not None and self.shared.refresh_error:
            parts.append(f"<span class='sd-warn'>{html.escape(self.shared.refresh_error)}</span>")
        parts.append(
            f"Data: <a href='https://thespacedevs.com/llapi' target='_blank' rel='noopener'>"
            f"{html.escape(CREDIT)}</a>."
        )
        if self.details:
            parts.append(self.details)
        shown = "".join(f"<div class='sd-notice'>⚠ {html.escape(n)}</div>" for n in notices)
        return "<div class='sd-provenance'>" + " ".join(parts) + "</div>" + shown

    @staticmethod
    def _details(data: pd.DataFrame) -> str:
        """A closed "About this data and how to cite it": the bundled sample's origin (and
        what it does to the charts), and the citation of the data as loaded ("" when the data
        carries no provenance)."""
        try:
            citation = html.escape(cite(data))
        except ValueError:  # no provenance to cite
            return ""
        bundled = Provenance.from_attrs(data.attrs).source == "bundled"
        about = f"<p>{html.escape(BUNDLED_ABOUT)}</p>" if bundled else ""
        return (
            "<details class='sd-details'><summary>About this data and how to cite it</summary>"
            f"{about}<p><b>Cite:</b> {citation}</p></details>"
        )

    def __panel__(self):
        return self.pane


#: Four KPIs a row; two a row on a tablet or phone.
_KPI_CSS = """
.sd-kpi-grid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px 16px;
  width: 100%; }
@media (max-width: 900px) { .sd-kpi-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.sd-kpi { min-width: 0; color: #212529; }
.sd-kpi-label { font-size: 16px; font-weight: 600; }
.sd-kpi-value { display: block; font-size: 34px; line-height: 1.2;
  font-variant-numeric: tabular-nums; }
.sd-kpi-context { display: block; font-size: 14px; line-height: 1.35; color: #4a4f55;
  overflow-wrap: anywhere; }
@media (max-width: 600px) {  /* a phone: the context beside its number, wrapping under it */
  .sd-kpi-grid { gap: 6px 12px; }
  .sd-kpi-label { font-size: 15px; }
  .sd-kpi-value, .sd-kpi-context { display: inline; }
  .sd-kpi-value { font-size: 26px; margin-right: 2px; }
  .sd-kpi-context { font-size: 13px; line-height: 1.3; }
}
"""


@dataclasses.dataclass(frozen=True)
class Card:
    """One KPI as the page shows it: ``label``, ``value`` (a number in the label's unit),
    ``format`` (how the value is written) and ``context`` (what it counts or sums, its share)."""

    label: str
    value: float
    format: str
    context: str

    @property
    def text(self) -> str:
        """The value as written (``"1,234"``, ``"20.3"``)."""
        return self.format.format(value=self.value)


class KPIs(View):
    """Spacecraft shown, flights flown, time in space, in space now: four numbers in a row on
    a wide screen, two by two on a phone, each with what it counts or sums and its share of
    all loaded (:func:`.words.kpi_context`). One HTML pane for the four (one model to build
    and patch per session, not four)."""

    labels = {
        "spacecraft": ("Spacecraft shown", "{value:,.0f}"),
        "flights": ("Flights flown", "{value:,.0f}"),
        "years": ("Time in space (years)", "{value:,.1f}"),
        "in_space": ("In space now", "{value:,.0f}"),
    }

    def __init__(self, store: DataStore, **params):
        super().__init__(store, **params)
        self.cards: dict[str, Card] = {}
        self.pane = HTML(
            "",
            sizing_mode="stretch_width",
            css_classes=["sd-kpis"],
            stylesheets=[_KPI_CSS],
            margin=(5, 10),
        )
        self._update()

    def placeholders_hidden(self) -> int:
        """The placeholder records the default "Include placeholders" filter (unticked) keeps
        out of the spacecraft shown; 0 once it is ticked."""
        store = self.store
        if store.include_placeholders or "is_placeholder" not in store.data.columns:
            return 0
        keep = np.ones(len(store.data), dtype=bool)
        for f, m in store.masks(store.data).items():
            if f.name != "include_placeholders":
                keep &= m
        return int(keep.sum()) - len(store.filtered)

    def build(self) -> dict[str, Card]:
        """The four cards of the store's filtered rows."""
        shown = summary(self.store.filtered)
        loaded = AGGREGATES.get(
            (data_version(self.store.data), "kpis-loaded"), lambda: summary(self.store.data)
        )
        hidden = self.placeholders_hidden()
        cards = {}
        for key, (label, fmt) in self.labels.items():
            context = words.kpi_context(key, shown, loaded, hidden)
            if key == "years":
                unit = self.time_in_space(shown[key])
                cards[key] = Card(unit["label"], unit["value"], unit["format"], context)
            else:
                cards[key] = Card(label, shown[key], fmt, context)
        return cards

    @staticmethod
    def html(cards: dict[str, Card]) -> str:
        """The cards as HTML (text escaped)."""
        return (
            "<div class='sd-kpi-grid'>"
            + "".join(
                f"<div class='sd-kpi sd-kpi-{key}'>"
                f"<div class='sd-kpi-label'>{html.escape(card.label)}</div>"
                f"<div><span class='sd-kpi-value'>{html.escape(card.text)}</span> "
                f"<span class='sd-kpi-context'>{html.escape(card.context)}</span></div></div>"
                for key, card in cards.items()
            )
            + "</div>"
        )

    def _built(self) -> tuple[dict[str, Card], str]:
        cards = self.build()
        return cards, self.html(cards)

    @param.depends("store.filtered", watch=True)
    def _update(self) -> None:  # one pane for the four cards, shared by sessions alike
        self.cards, self.pane.object = self.store.shared("kpis", self._built, "spacecraft")

    @staticmethod
    def time_in_space(years: float) -> dict:
        """The time-in-space card in a unit that keeps a small total readable (4.5 days, not
        0.0 years), like the bars' value labels."""
        days = years * plots.DAYS_PER_YEAR
        if years >= 0.1 or years <= 0:
            fmt = "{value:,.1f}" if years >= 1 or years <= 0 else "{value:,.2f}"
            return {"label": "Time in space (years)", "value": years, "format": fmt}
        if days >= 1:
            return {"label": "Time in space (days)", "value": days, "format": "{value:,.1f}"}
        return {"label": "Time in space (hours)", "value": days * 24, "format": "{value:,.1f}"}

    def __panel__(self):
        return self.pane


@no_instance_params
class FilterChips(Module):
    """The active filters as chips, each with a remove (×) button named "Remove filter:
    ...", and "Clear all" from two chips on (``spacedata/_static/chips.js``). Rendered as
    text, never HTML. A click calls ``on_message`` with ``{"remove": key}`` or
    ``{"clear": True}`` (from the browser: check it)."""

    chips = param.List(default=[], doc="[{'key', 'text', 'name'}]: one a chip, in order.")

    _esm = _bundle = MODULES["chips"]

    def __init__(self, on_message=None, **params):
        super().__init__(**params)
        self._on_message = on_message

    def _handle_msg(self, msg) -> None:
        if self._on_message is not None and isinstance(msg, dict):
            self._on_message(msg)


class ActiveFilters(View):
    """The filters set away from their defaults, as removable chips above the KPIs: removing
    one resets that filter (the widgets and the URL follow the store); "Clear all" resets those
    shown. ``applies_to="spacecraft"``: only the filters that change the spacecraft (the
    Spacecraft view: the launch dates do not); None: all (Through time)."""

    def __init__(self, store: DataStore, applies_to: str | None = "spacecraft", **params):
        super().__init__(store, **params)
        self.filters: tuple[Filter, ...] = tuple(
            f for f in FILTERS if applies_to is None or f.applies_to == applies_to
        )
        chips = self.chips()
        self.widget = FilterChips(
            on_message=self._message,
            chips=chips,
            visible=bool(chips),
            sizing_mode="stretch_width",
            margin=(4, 10),
            css_classes=["sd-active-filters", f"sd-active-{applies_to or 'all'}"],
        )
        store.param.watch(self._update, [f.name for f in self.filters])

    def active(self) -> list[Filter]:
        """The filters shown set away from their defaults (what the URL writes), in order."""
        return [f for f in self.filters if f.encode(self.store, getattr(self.store, f.name))]

    def chips(self) -> list[dict[str, str]]:
        """One chip a filter of :meth:`active`: its key, words and name (:func:`.words.chip`)."""
        out = []
        for f in self.active():
            text, name = words.chip(f, getattr(self.store, f.name))
            out.append({"key": f.name, "text": text, "name": name})
        return out

    def _update(self, *_) -> None:
        chips = self.chips()
        self.widget.param.update(chips=chips, visible=bool(chips))

    def remove(self, *names: str) -> None:
        """Reset the named filters (of those shown) to their defaults, in one update."""
        by_name = {f.name: f for f in self.filters}
        update = {n: by_name[n].default(self.store) for n in names if n in by_name}
        if update:
            self.store.param.update(**update)

    def _message(self, msg: dict) -> None:
        if msg.get("clear") is True:
            self.remove(*(f.name for f in self.active()))
        elif isinstance(msg.get("remove"), str):
            self.remove(msg["remove"])

    def __panel__(self):
        return self.widget


#: On screen the page says where the data came from once (ProvenanceView), so each chart's
#: source subtitle is hidden there; plotly's PNG export draws a clone of the figure outside
#: this stylesheet, so a downloaded chart still carries its source line.
_CHART_CSS = """
.gtitle-subtitle { display: none; }
.js-plotly-plot .plotly:focus-within .modebar--hover .modebar-group { opacity: 1; }
.js-plotly-plot .plotly .modebar-btn { min-width: 24px; min-height: 24px; box-sizing: border-box;
  display: inline-flex; align-items: center; justify-content: center; }
.js-plotly-plot .plotly .modebar-btn:focus-visible { outline: 3px solid #1d4f91; }
@media (max-width: 800px), (hover: none) { .modebar-container { display: none !important; } }
"""
#: The chart grid: two charts side by side where both get at least 480 px, else one a row.
_GRID_CSS = """
:host { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr));
  gap: 8px 16px; width: 100%; }
:host(.sd-hidden) { display: none; }
"""
CHART_HEIGHT = 430
#: Beyond this many spacecraft the scatter draws aggregates (a marker per flights and
#: time-in-space bin, sized by count) rather than a sample of points: thousands of SVG points
#: cost the browser ~0.1-0.3 s on every filter change (benchmarks/bench_dashboard.py).
SCATTER_BIN_ABOVE = 10_000
#: The size of a chart saved with plotly's camera button, whatever the screen.
EXPORT_SIZE = {"width": 960, "height": 560}


def palette(store: DataStore) -> plots.Palette:
    """The colours of the loaded data set: one per agency and configuration, the same in every
    chart of both views and every filter state (:func:`spacedata.plots.palette_of` the whole
    spacecraft and flights frames), built once per data version and shared by the sessions."""
    key = (data_version(store.data), data_version(store.flights_data), "palette")
    return AGGREGATES.get(key, lambda: plots.palette_of(store.data, store.flights_data))


#: A trace's arrays up to this many values go to the browser inside its JSON; a longer one
#: goes in a Bokeh data source of the trace's own, as binary (see :class:`ChartPane`).
INLINE_VALUES = 2_000


def _inline(value, big: list[bool]):
    """A copy of a trace's JSON with its numpy arrays of at most :data:`INLINE_VALUES` values
    as lists (dates as text, as plotly.js reads them); ``big`` gets an entry for each array
    left as it is. Never modifies ``value`` (figures are shared by sessions)."""
    if isinstance(value, np.ndarray):
        if value.size > INLINE_VALUES:
            big.append(True)
            return value
        return (value.astype(str) if value.dtype.kind == "M" else value).tolist()
    if isinstance(value, dict):
        return {k: _inline(v, big) for k, v in value.items()}
    if isinstance(value, list | tuple) and value and isinstance(value[0], dict):
        return [_inline(v, big) for v in value]
    return value


def lean_layout(layout: dict, traces: list[dict]) -> dict:
    """``layout`` with its plotly template's per-trace-type defaults (``template.data``: 4.3 of
    the template's 7.1 KB, for some 40 trace types) only for the types ``traces`` draw: they
    apply to traces of their own type only, so the chart is the same. Never modifies
    ``layout``."""
    template = layout.get("template")
    if not isinstance(template, dict) or not isinstance(template.get("data"), dict):
        return layout
    drawn = {trace.get("type", "scatter") for trace in traces}
    data = {kind: value for kind, value in template["data"].items() if kind in drawn}
    return {**layout, "template": {**template, "data": data}}


@no_instance_params
class ChartPane(pn.pane.Plotly):
    """Panel's Plotly pane with one Bokeh data source per chart rather than one per trace.

    Panel gives every trace a ``ColumnDataSource`` for its arrays (three Bokeh models each,
    with its selection and selection policy): the six charts' 47 traces were 141 of the
    default page's 243 models, each built, serialised and sent for every viewer. Here a
    trace's arrays of up to :data:`INLINE_VALUES` values travel in its JSON, and the traces
    left with no array share one empty source; a trace with a longer array keeps a source of
    its own, so large data still goes as binary."""

    #: A figure's JSON as sent (:meth:`_sent_json`), by figure id, while the figure lives:
    #: the figures are shared by sessions in one filter state, so is what they send.
    _json: dict[int, tuple] = {}
    _json_lock = threading.Lock()

    @classmethod
    def _plotly_json_wrapper(cls, fig):
        traces, layout, big = cls._sent_json(fig)
        # Panel moves a trace's arrays into its source (popping them from the trace): a trace
        # that still holds one is a copy of its own; the others and the layout are shared
        return {
            "data": [_inline(t, []) if b else t for t, b in zip(traces, big, strict=True)],
            "layout": layout,
        }

    @classmethod
    def _sent_json(cls, fig) -> tuple[list[dict], dict, list[bool]]:
        """The traces and layout sent for ``fig`` (arrays inlined by :func:`_inline`, the
        plotly template's per-trace-type defaults only for the types drawn: see
        :func:`lean_layout`) and which traces keep an array; computed once per figure object
        in a process and shared read-only by every pane that draws it."""
        key = id(fig)
        with cls._json_lock:
            entry = cls._json.get(key)
            if entry is not None and entry[0]() is fig:
                return entry[1]
        json = super()._plotly_json_wrapper(fig)
        traces, big = [], []
        for trace in json["data"]:
            arrays: list[bool] = []
            traces.append(_inline(trace, arrays))
            big.append(bool(arrays))
        sent = (traces, lean_layout(json["layout"], traces), big)

        def forget(_ref, key=key):
            with cls._json_lock:
                entry = cls._json.get(key)
                if entry is not None and entry[0]() is None:
                    del cls._json[key]

        with cls._json_lock:
            cls._json[key] = (weakref.ref(fig, forget), sent)
        return sent

    #: The empty source of each served document, shared by all its charts, and all of them.
    _empty: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    _empties: weakref.WeakSet = weakref.WeakSet()

    @classmethod
    def _empty_source(cls) -> ColumnDataSource:
        """The current document's one empty source (a new one outside a document)."""
        doc = pn.state.curdoc
        if doc is None:
            return ColumnDataSource()
        with cls._json_lock:
            source = cls._empty.get(doc)
            if source is None:
                source = cls._empty[doc] = ColumnDataSource()
                cls._empties.add(source)
        return source

    @classmethod
    def _sources(cls, traces: list[dict]) -> list[ColumnDataSource]:
        """A source per trace, the document's empty one (:meth:`_empty_source`) for every
        trace with no array left (Panel's ``_get_sources`` moves those arrays out of the
        trace into its source)."""
        shared, out = None, []
        for trace in traces:
            arrays: dict = {}
            pn.pane.Plotly._get_sources_for_trace(trace, arrays)
            if arrays:
                out.append(ColumnDataSource(arrays))
            else:
                shared = shared or cls._empty_source()
                out.append(shared)
        return out

    def _init_params(self):
        # Panel's, with :meth:`_sources` for its one source per trace (built by name there,
        # so not overridable)
        params = {
            p: getattr(self, p)
            for p in [*Layoutable.param, *(p for p in self.param if "viewport" in p)]
            if getattr(self, p) is not None
        }
        json = (
            {} if self.object is None else self._plotly_json_wrapper(self._to_figure(self.object))
        )
        params["_render_count"] = self._render_count
        params["config"] = self.config or {}
        params["data"] = json.get("data", [])
        params["data_sources"] = self._sources(params["data"])
        params["layout"] = layout = json.get("layout", {})
        params["frames"] = json.get("frames", [])
        if layout.get("autosize") and self.sizing_mode is self.param.sizing_mode.default:
            params["sizing_mode"] = "stretch_both"
            params.setdefault("styles", {})
        return params

    def _update(self, ref: str, model) -> None:
        # Panel's update writes a trace's arrays into the source at its index: a trace that
        # now has an array left must not write it into a shared one (another trace's, or the
        # document's empty one)
        if self.object is not None:
            traces = self._plotly_json_wrapper(self._to_figure(self.object))["data"]
            sources = list(model.data_sources)
            uses = Counter(id(s) for s in sources)
            for i, trace in enumerate(traces[: len(sources)]):
                big: list[bool] = []
                _inline(trace, big)
                if big and (uses[id(sources[i])] > 1 or sources[i] in self._empties):
                    sources[i] = ColumnDataSource()
            if sources != list(model.data_sources):
                model.data_sources = sources
        super()._update(ref, model)


def _chart(build, **keywords) -> functools.partial:
    """A chart of the page: the figure builder ``build`` drawn compact (the page shows the
    provenance once), in the dashboard's words when it has nothing to draw."""
    return functools.partial(build, compact=True, empty=FIGURE_TEXT, **keywords)


class Charts(View):
    """The six plotly charts, redrawn from ``store.filtered`` (hidden when nothing matches).

    ``validate=False`` skips plotly's validation of the figures (the served page: ~30 ms a
    filter change at 20,000 rows; the tests build them all validated and check they are the
    same)."""

    builders = {
        "flights_by_agency": _chart(plots.flights_by_agency),
        "time_by_agency": _chart(plots.time_in_space_totals, by="agency"),
        "time_by_config": _chart(plots.time_in_space_totals, by="configuration"),
        "distribution": _chart(plots.time_in_space_distribution, by="configuration"),
        "top": _chart(plots.top_time_in_space),
        "scatter": _chart(plots.flights_vs_time_in_space, bin_above=SCATTER_BIN_ABOVE),
    }

    #: The store parameter drawn, and the filters its aggregates depend on (None: all).
    frame = "filtered"
    applies_to: str | None = "spacecraft"
    #: The start of a downloaded chart's file name.
    file_prefix = "spacecraft"

    validate = param.Boolean(default=True, doc="Validate the figures as they are built.")

    def __init__(self, store: DataStore, **params):
        super().__init__(store, **params)
        #: The chart panes built so far, by key: a row builds its own (:meth:`row`), so a
        #: part of the page never shown costs nothing.
        self.panes: dict[str, ChartPane] = {}
        # a row's classes: the grid, hidden while nothing matches (Bokeh's `visible` loses
        # to the grid's own `display`, so the class hides it)
        self.grid_classes = pn.bind(
            lambda df: ["sd-chart-grid", *(["sd-hidden"] if df.empty else [])],
            store.param[self.frame],
        )
        # One watcher for all the panes rather than a `pn.bind` reference each: Panel's
        # reference resolution cost ~10 ms more per filter change for six (benchmarks/).
        store.param.watch(self._update, self.frame)

    def figures(self, df: pd.DataFrame) -> dict:
        """Every chart's figure for ``df`` (what a filter change recomputes), coloured from
        the loaded data set's :func:`palette` (never the filtered frame's)."""
        colours = palette(self.store)
        return {
            key: build(df, validate=self.validate, palette=colours)
            for key, build in self.builders.items()
        }

    def shared_figures(self) -> dict:
        """:meth:`figures` of the store's filtered rows, built once per data version and
        filter state in a server process (:meth:`DataStore.shared`)."""
        return self.store.shared(
            f"figures-{self.frame}",
            lambda: self.figures(getattr(self.store, self.frame)),
            self.applies_to,
        )

    def _pane(self, key: str, figure) -> ChartPane:
        return ChartPane(
            figure,
            link_figure=False,  # the figure is shared by sessions: never patched in place
            sizing_mode="stretch_width",
            height=CHART_HEIGHT,
            config={
                "displaylogo": False,
                "responsive": True,
                # a saved chart is as legible from a phone as from a desktop, source line
                # (the subtitle) included
                "toImageButtonOptions": {
                    "filename": f"{self.file_prefix}-{key.replace('_', '-')}",
                    **EXPORT_SIZE,
                },
            },
            css_classes=["sd-chart", f"sd-chart-{key}"],
            stylesheets=[_CHART_CSS],
            margin=0,
        )

    def _update(self, *_) -> None:
        df = getattr(self.store, self.frame)
        if df.empty:  # the charts are hidden and NoMatch explains; nothing to draw
            return
        figures = self.shared_figures()
        for key, pane in self.panes.items():
            pane.object = figures[key]

    @property
    def row_count(self) -> int:
        """How many rows of two charts :meth:`rows` makes."""
        return -(-len(self.builders) // 2)

    def row(self, index: int) -> pn.Column:
        """Row ``index`` of :meth:`rows`, its charts built now, drawing the current filters."""
        keys = list(self.builders)[2 * index : 2 * index + 2]
        figures = self.shared_figures()
        for key in keys:
            if key not in self.panes:
                self.panes[key] = self._pane(key, figures[key])
        return pn.Column(
            *(self.panes[k] for k in keys),
            sizing_mode="stretch_width",
            stylesheets=[_GRID_CSS],
            css_classes=self.grid_classes,
        )

    def rows(self) -> list[pn.Column]:
        """The charts two at a time, in page order, each pair a responsive grid (side by side
        on a wide screen, stacked on a narrow one); hidden while nothing matches."""
        return [self.row(i) for i in range(self.row_count)]

    def __panel__(self):
        return pn.Column(*self.rows(), sizing_mode="stretch_width")


class NoMatch(View):
    """Shown only when no spacecraft match: one message naming the filters that exclude
    everything (and what removing each would show), and a button that resets them all."""

    #: The store frame whose emptiness shows this view, and the view's CSS class.
    frame = "filtered"
    css_class = "sd-nomatch-pane"

    def __init__(self, store: DataStore, **params):
        super().__init__(store, **params)
        self.reset = pn.widgets.Button(
            label="Reset all filters",
            color="primary",
            width=180,
            visible=self.can_reset(),
            css_classes=["sd-reset-all"],
        )
        self.reset.on_click(store.reset)
        frame = store.param[self.frame]
        self.message = HTML(
            pn.bind(self._html, frame),
            sizing_mode="stretch_width",
            stylesheets=[_TEXT_CSS],
            margin=(5, 10),
        )
        self.layout = pn.Column(
            self.message,
            self.reset,
            visible=pn.bind(lambda df: df.empty, frame),
            sizing_mode="stretch_width",
            css_classes=[self.css_class],
        )

    def can_reset(self) -> bool:
        """Whether resetting the filters can bring something back."""
        return True

    def _html(self, df: pd.DataFrame) -> str:
        if not df.empty:
            return ""
        lead, items, then = words.no_match(len(self.store.data), self.store.explain_empty())
        why = "".join(f"<li>{html.escape(item)}</li>" for item in items)
        return (
            f"<div class='sd-nomatch'><b>{html.escape(NO_MATCH)}.</b> {html.escape(lead)}"
            f"<ul>{why}</ul>{html.escape(then)}</div>"
        )

    def __panel__(self):
        return self.layout


class TimeCharts(Charts):
    """The "Through time" charts of the flights (``store.flights_filtered``): flown flights
    per year by agency and by configuration (planned ones beside them, hatched), time in space
    accumulated by agency and turnaround of reused spacecraft (flown flights only). Hidden
    when no flight is left (:class:`NoFlights` explains)."""

    builders = {
        "per_year_agency": _chart(plots.flights_per_year, by="agency"),
        "cumulative": _chart(plots.cumulative_time_in_space, by="agency"),
        "per_year_config": _chart(plots.flights_per_year, by="configuration"),
        "turnaround": _chart(plots.turnaround_per_flight),
    }
    frame = "flights_filtered"
    applies_to = None
    file_prefix = "flights"


#: The data versions whose lack of flights this process has logged (once each).
_LOGGED_NO_FLIGHTS: set[tuple] = set()


class NoFlights(NoMatch):
    """Shown in "Through time" when no flight is left: when the data holds no flights (a
    snapshot of the spacecraft endpoint only), what it holds and why the view is empty (how to
    fetch flights is the operator's: logged once per data set); else how many flights it holds
    and which filters leave none."""

    frame = "flights_filtered"
    css_class = "sd-noflights-pane"

    def __init__(self, store: DataStore, **params):
        super().__init__(store, **params)
        key = data_version(store.data)
        if store.flights_data.empty and key not in _LOGGED_NO_FLIGHTS:
            _LOGGED_NO_FLIGHTS.add(key)
            log.warning(HOW_TO_FETCH_FLIGHTS)

    def can_reset(self) -> bool:
        return not self.store.flights_data.empty

    def _html(self, df: pd.DataFrame) -> str:
        if not df.empty:
            return ""
        store = self.store
        if store.flights_data.empty:
            attrs = store.data.attrs
            source = Provenance.from_attrs(attrs).label if "source" in attrs else None
            why = words.no_flights(source, len(store.data))
            return (
                f"<div class='sd-nomatch sd-noflights'><b>{html.escape(NO_FLIGHTS)}.</b> "
                f"{html.escape(why)}</div>"
            )
        n = plots.flight_status_counts(store.flights_data)
        active = [
            words.chip(f, getattr(store, f.name))[0]
            for f in FILTERS
            if f.encode(store, getattr(store, f.name))
        ]
        why = words.no_flight_match(len(store.flights_data), n["flown"], n["planned"], active)
        return (
            f"<div class='sd-nomatch'><b>{html.escape(NO_FLIGHT_MATCH)}.</b> "
            f"{html.escape(why)}</div>"
        )
