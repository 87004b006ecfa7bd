"""Panel components of the spacecraft dashboard (Panel's DataStore pattern).

* :class:`SharedData`: the tables, loaded once per server process and shared by every session;
  an optional scheduled refresh from LL2 that keeps the last good data when it fails.
* :class:`DataStore`: one per session; owns the filter widgets and exposes ``filtered``.
* Views (:class:`ProvenanceView`, :class:`KPIs`, :class:`Charts`, :class:`RecordsTable`) take the
  store and draw one thing each. ``dashboards/spacecraft.py`` only lays them out.

The same components display in JupyterLab: ``DataStore(data=df)`` then any view.
User text (name search, URL values) is matched with plain substring/equality tests, never
``DataFrame.query``/``eval``, and is shown only HTML-escaped.
"""

from __future__ import annotations

import html
import io
import re
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import panel as pn
import param
from panel.models.plotly import PLOTLY_VERSION, PlotlyPlot

from . import config, plots
from .config import CREDIT
from .provenance import Provenance

# URL query keys -> DataStore parameters. Lists repeat the key (?agency=NASA&agency=RFSA).
LIST_FILTERS = {"agency": "agency", "config": "config", "type": "config_type", "status": "status"}
FLAG_FILTERS = {"in_space": "in_space_only", "placeholders": "include_placeholders"}
_COLUMNS = {  # DataStore list parameter -> column of the wide frame
    "agency": "agency_name",
    "config": "config_name",
    "config_type": "config_type",
    "status": "status",
}
#: The filter parameters of DataStore, in sidebar order.
FILTERS = (
    "agency",
    "config",
    "config_type",
    "status",
    "in_space_only",
    "include_placeholders",
    "name_search",
    "flights",
)
TABLE_COLUMNS = {  # column -> title shown
    "name": "Name",
    "serial_number": "Serial",
    "agency_abbrev": "Agency",
    "config_name": "Configuration",
    "config_type": "Type",
    "status": "Status",
    "in_space": "In space",
    "flights_count": "Flights",
    "time_in_space_days": "Days in space",
    "time_docked_days": "Days docked",
    "description": "Description",
}


# -- shared data -----------------------------------------------------------------------------


@dataclass
class Loaded:
    """The frame every session starts from (its provenance in ``.attrs``), and what happened at
    the last refresh."""

    frame: pd.DataFrame
    refresh_error: str | None = None
    refreshed_at: datetime | None = None


class SharedData:
    """Holds the current data of a server process; swaps it only after a successful refresh."""

    def __init__(self, loader):
        self._loader = loader
        self._lock = threading.Lock()
        self.current = self._load()

    def _load(self, refresh: bool = False) -> Loaded:
        tables = self._loader(refresh=refresh)
        return Loaded(tables.wide())

    def refresh(self) -> Loaded:
        """Load again; on any failure keep serving the last good data and record why."""
        try:
            fresh = self._load(refresh=True)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, keep serving
            with self._lock:
                self.current.refresh_error = (
                    f"Refresh failed at {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
                    f"({type(exc).__name__}: {exc}); still showing data as of "
                    f"{Provenance.from_attrs(self.current.frame.attrs).as_of}."
                )
            return self.current
        fresh.refreshed_at = datetime.now(timezone.utc)
        with self._lock:
            self.current = fresh
        return fresh


def loader_from_env():
    """The dashboard's data source, from the environment.

    ``SPACEDATA_SNAPSHOT=DIR`` serves that snapshot; otherwise ``SPACEDATA_DASHBOARD_SOURCE``
    (``bundled``, the default, needs no network; ``live`` reads LL2 through the cache and its
    scheduled refreshes first check the quota). Returns ``(loader, refresh period or None)``;
    ``SPACEDATA_REFRESH`` overrides the live default of ``6h``.
    """
    from .client import LL2Client
    from .load import load_tables

    snapshot = config.snapshot_override()
    source = config.dashboard_source()
    if snapshot is not None:
        return (lambda refresh=False: load_tables(snapshot=snapshot)), None
    if source not in ("live", "auto"):
        return (lambda refresh=False: load_tables(source)), None

    def load(refresh: bool = False):
        with LL2Client(progress=False) as client:  # scheduled refreshes check the quota first
            return load_tables(source, client=client, refresh=refresh, check_quota=refresh)

    return load, config.refresh_period("6h")


def shared_data(loader, refresh_period: str | None = None) -> SharedData:
    """The process-wide :class:`SharedData` (built on first call; ``pn.state.as_cached``).

    ``refresh_period`` such as ``"6h"`` schedules :meth:`SharedData.refresh` with
    ``pn.state.schedule_task``; None or ``"off"`` never refreshes.
    """
    data = pn.state.as_cached("spacedata-shared-data", lambda: SharedData(loader))
    if refresh_period and refresh_period != "off":
        pn.state.schedule_task(
            "spacedata-refresh", data.refresh, period=refresh_period, at=None, threaded=True
        )
    return data


# -- the store -------------------------------------------------------------------------------


class DataStore(pn.viewable.Viewer):
    """Owns the data and the filters; ``filtered`` is the frame every view draws."""

    data = param.DataFrame(doc="The wide spacecraft frame (spacedata.load_spacecraft).")
    filtered = param.DataFrame(doc="data after the filters; recomputed when a filter changes.")
    agency = param.ListSelector(default=[], objects=[], label="Agency")
    config = param.ListSelector(default=[], objects=[], label="Spacecraft configuration")
    config_type = param.ListSelector(default=[], objects=[], label="Configuration type")
    status = param.ListSelector(default=[], objects=[], label="Status")
    in_space_only = param.Boolean(default=False, label="In space now")
    include_placeholders = param.Boolean(default=False, label="Include placeholders")
    name_search = param.String(default="", label="Name contains")
    flights = param.Range(default=(0, 1), bounds=(0, 1), label="Flights")
    notices = param.List(default=[], doc="Plain-text notices, e.g. ignored URL values.")

    def __init__(self, data: pd.DataFrame, **params):
        super().__init__(data=data, **params)
        for name, col in _COLUMNS.items():
            values = sorted(str(v) for v in data[col].dropna().unique())
            self.param[name].objects = values
        top = int(data["flights_count"].max()) if data["flights_count"].notna().any() else 0
        top = max(top, 1)
        self.param.flights.bounds = (0, top)
        self.flights = (0, top)
        self._apply()

    @param.depends(*FILTERS, watch=True)
    def _apply(self) -> None:
        with pn.io.hold():  # one patch to the browser for all views, not one per model
            self.filtered = self.filter(self.data)

    def filter(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` restricted by the current filter values (empty lists mean "all")."""
        keep = pd.Series(True, index=df.index)
        for name, col in _COLUMNS.items():
            chosen = getattr(self, name)
            if chosen:
                keep &= df[col].astype("string").isin(chosen).fillna(False)
        if self.in_space_only:
            keep &= df["in_space"].fillna(False)
        if not self.include_placeholders:
            keep &= ~df["is_placeholder"].fillna(False)
        text = self.name_search.strip()
        if text:
            keep &= df["name"].str.contains(text, case=False, regex=False).fillna(False)
        lo, hi = self.flights
        lo_b, hi_b = self.param.flights.bounds
        if (lo, hi) != (lo_b, hi_b):
            keep &= df["flights_count"].between(lo, hi).fillna(False)
        out = df[keep.to_numpy(dtype=bool)]
        out.attrs = dict(df.attrs)
        return out

    # -- URL state ---------------------------------------------------------------------------

    def to_query(self) -> str:
        """The non-default filters as a URL query string (``?agency=NASA&in_space=1``)."""
        pairs: list[tuple[str, str]] = []
        for key, name in LIST_FILTERS.items():
            pairs += [(key, v) for v in getattr(self, name)]
        for key, name in FLAG_FILTERS.items():
            if getattr(self, name) != self.param[name].default:
                pairs.append((key, "1" if getattr(self, name) else "0"))
        if self.name_search.strip():
            pairs.append(("q", self.name_search.strip()))
        if tuple(self.flights) != tuple(self.param.flights.bounds):
            pairs.append(("flights", f"{self.flights[0]}-{self.flights[1]}"))
        return "?" + urlencode(pairs) if pairs else ""

    def apply_query(self, args: dict[str, list]) -> list[str]:
        """Set filters from URL query args (values as str or bytes). Unknown keys and values
        that do not exist or do not parse are ignored; returns one notice for each."""
        notices: list[str] = []
        update: dict = {}
        for key, raw_values in args.items():
            values = [
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in raw_values
            ]
            if key in LIST_FILTERS:
                name = LIST_FILTERS[key]
                known = [v for v in values if v in self.param[name].objects]
                notices += [
                    f"Ignored unknown {key} {v!r} in the URL." for v in values if v not in known
                ]
                update[name] = list(dict.fromkeys(known))
            elif key in FLAG_FILTERS:
                if values[-1] in ("0", "1"):
                    update[FLAG_FILTERS[key]] = values[-1] == "1"
                else:
                    notices.append(f"Ignored {key}={values[-1]!r} in the URL (use 0 or 1).")
            elif key == "q":
                update["name_search"] = values[-1][:100]
            elif key == "flights":
                rng = _parse_range(values[-1], self.param.flights.bounds)
                if rng is None:
                    notices.append(
                        f"Ignored flights={values[-1]!r} in the URL (use LOW-HIGH within "
                        f"{self.param.flights.bounds[0]}-{self.param.flights.bounds[1]})."
                    )
                else:
                    update["flights"] = rng
            else:
                notices.append(f"Ignored unknown URL parameter {key!r}.")
        self.param.update(**update, notices=notices)
        return notices

    def __panel__(self):
        widgets = {
            "agency": pn.widgets.MultiChoice,
            "config": pn.widgets.MultiChoice,
            "config_type": pn.widgets.MultiChoice,
            "status": pn.widgets.MultiChoice,
            "name_search": {"type": pn.widgets.TextInput, "placeholder": "e.g. Soyuz"},
            "flights": {"type": pn.widgets.IntRangeSlider, "step": 1},
        }
        return pn.Param(
            self.param,
            parameters=list(FILTERS),
            widgets=widgets,
            show_name=False,
            sizing_mode="stretch_width",
        )


_RANGE = re.compile(r"\s*(\d{1,9})\s*-\s*(\d{1,9})\s*", re.ASCII)


def _parse_range(text: str, bounds: tuple[int, int]) -> tuple[int, int] | None:
    """``"2-30"`` -> (2, 30) within ``bounds``; anything else (``²``, other scripts' digits,
    huge numbers, reversed) -> None."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    lo_i, hi_i = int(match.group(1)), int(match.group(2))
    if not bounds[0] <= lo_i <= hi_i <= bounds[1]:
        return None
    return lo_i, hi_i


def summary(df: pd.DataFrame) -> dict[str, float]:
    """The KPI figures of a frame: spacecraft, flights, years in space, in space now."""
    return {
        "spacecraft": len(df),
        "flights": int(df["flights_count"].sum()),
        "years": float(df["time_in_space_days"].sum() / plots.DAYS_PER_YEAR),
        "in_space": int(df["in_space"].fillna(False).sum()),
    }


# -- views -----------------------------------------------------------------------------------


class ProvenanceView(pn.viewable.Viewer):
    """Always-visible line: source, as-of, records shown of the endpoint's count, credit."""

    def __init__(self, store: DataStore, shared: Loaded | None = None, **params):
        super().__init__(**params)
        self.store = store
        self.shared = shared
        self.pane = pn.pane.HTML(
            self._html(),
            sizing_mode="stretch_width",
            css_classes=["sd-provenance-pane"],
            stylesheets=[_CSS],
        )
        store.param.watch(
            lambda *_: setattr(self.pane, "object", self._html()), ["filtered", "notices"]
        )

    def _html(self) -> str:
        df = self.store.filtered
        prov = Provenance.from_attrs(df.attrs) if "source" in df.attrs else None
        parts = []
        if prov is None:
            parts.append("<b>Source unknown.</b>")
        else:
            label = prov.label
            of = f"{prov.count:,}" if prov.count is not None else "an unknown number of"
            parts.append(
                f"<b>Source:</b> {html.escape(label)} · <b>as of</b> {html.escape(prov.as_of)} · "
                f"<b>{len(df):,}</b> spacecraft shown of {prov.records:,} loaded; "
                f"the endpoint reports {of}."
            )
            if prov.stale_since:
                parts.append(
                    f"<span class='sd-warn'><b>{html.escape(prov.staleness)}</b>: served past "
                    "its freshness while LL2 could not be reached.</span>"
                )
            if not prov.complete:
                kind = "Partial sample" if prov.source == "bundled" else "Incomplete data"
                parts.append(
                    f"<span class='sd-partial'><b>{kind}:</b> {prov.records:,} of about {of} "
                    "records. Totals and rankings describe this sample only.</span>"
                )
        if self.shared is not None and self.shared.refresh_error:
            parts.append(f"<span class='sd-warn'>{html.escape(self.shared.refresh_error)}</span>")
        parts.append(
            f"Data: <a href='https://thespacedevs.com/llapi' target='_blank'>{CREDIT}</a>."
        )
        notices = "".join(
            f"<div class='sd-notice'>⚠ {html.escape(n)}</div>" for n in self.store.notices
        )
        return "<div class='sd-provenance'>" + " ".join(parts) + "</div>" + notices

    def __panel__(self):
        return self.pane


class KPIs(pn.viewable.Viewer):
    """Spacecraft shown, total flights, total time in space (years), in space now."""

    def __init__(self, store: DataStore, **params):
        super().__init__(**params)
        self.store = store
        style = {"font_size": "28pt", "title_size": "11pt", "sizing_mode": "stretch_width"}
        self.cards = {
            "spacecraft": pn.indicators.Number(
                label="Spacecraft shown", format="{value:,.0f}", **style
            ),
            "flights": pn.indicators.Number(label="Total flights", format="{value:,.0f}", **style),
            "years": pn.indicators.Number(
                label="Time in space (years)", format="{value:,.1f}", **style
            ),
            "in_space": pn.indicators.Number(label="In space now", format="{value:,.0f}", **style),
        }
        self._update()
        store.param.watch(self._update, "filtered")

    def _update(self, *_):
        for key, value in summary(self.store.filtered).items():
            self.cards[key].value = value

    def __panel__(self):
        return pn.Row(*self.cards.values(), sizing_mode="stretch_width", css_classes=["sd-kpis"])


class Charts(pn.viewable.Viewer):
    """The six plotly charts, redrawn from ``store.filtered``."""

    builders = {
        "flights_by_agency": plots.flights_by_agency,
        "time_by_agency": lambda df: plots.time_in_space_totals(df, "agency"),
        "time_by_config": lambda df: plots.time_in_space_totals(df, "configuration"),
        "distribution": lambda df: plots.time_in_space_distribution(df, "configuration"),
        "top": plots.top_time_in_space,
        "scatter": plots.flights_vs_time_in_space,
    }

    def __init__(self, store: DataStore, **params):
        super().__init__(**params)
        self.store = store
        self.panes = {
            key: pn.pane.Plotly(
                sizing_mode="stretch_width",
                height=460,
                config={"displaylogo": False, "responsive": True},
                css_classes=["sd-chart", f"sd-chart-{key}"],
            )
            for key in self.builders
        }
        self.empty = pn.pane.Alert(plots.NO_MATCH + ".", alert_type="warning", visible=False)
        self._update()
        store.param.watch(self._update, "filtered")

    def figures(self, df: pd.DataFrame) -> dict:
        """Every chart's figure for ``df`` (what a filter change recomputes)."""
        return {key: build(df) for key, build in self.builders.items()}

    def _update(self, *_):
        df = self.store.filtered
        self.empty.visible = df.empty
        for key, fig in self.figures(df).items():
            self.panes[key].object = fig

    def rows(self) -> list[pn.Row]:
        """The charts two a row, in page order."""
        keys = list(self.panes)
        return [
            pn.Row(*(self.panes[k] for k in keys[i : i + 2]), sizing_mode="stretch_width")
            for i in range(0, len(keys), 2)
        ]

    def __panel__(self):
        return pn.Column(self.empty, *self.rows(), sizing_mode="stretch_width")


class RecordsTable(pn.viewable.Viewer):
    """The filtered records as a Tabulator (text shown as text) and a CSV download of them."""

    def __init__(self, store: DataStore, **params):
        super().__init__(**params)
        self.store = store
        self.table = pn.widgets.Tabulator(
            self._frame(),
            pagination="remote",  # only the visible page goes to the browser
            page_size=15,
            disabled=True,
            show_index=False,
            sizing_mode="stretch_width",
            formatters={c: {"type": "plaintext"} for c in TABLE_COLUMNS},
            titles=TABLE_COLUMNS,
            css_classes=["sd-table"],
        )
        self.download = pn.widgets.FileDownload(
            callback=self._csv,
            filename="spacecraft-filtered.csv",
            label="Download filtered rows (CSV)",
            color="primary",
            css_classes=["sd-download"],
        )
        # The table sits below the charts: on a server it refreshes in the next tick, after the
        # charts' patch has gone out (~40 ms sooner charts); elsewhere at once.
        store.param.watch(lambda *_: pn.state.execute(self._refresh, schedule=True), "filtered")

    def _refresh(self) -> None:
        self.table.value = self._frame()

    def _frame(self) -> pd.DataFrame:
        df = self.store.filtered[list(TABLE_COLUMNS)].copy()
        for col in ("time_in_space_days", "time_docked_days"):
            df[col] = df[col].round(2)
        return df

    def _csv(self) -> io.StringIO:
        buf = io.StringIO()
        self.store.filtered.to_csv(buf, index=False)
        buf.seek(0)
        return buf

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown("### Records"), self.download, self.table, sizing_mode="stretch_width"
        )


_CSS = """
.sd-provenance { font-size: 13px; line-height: 1.5; padding: 6px 10px; background: #f4f6fa;
  border-left: 4px solid #4c78a8; }
.sd-partial { display: inline-block; margin-left: 4px; color: #8a4b00; }
.sd-warn { display: block; color: #a00; }
.sd-notice { margin-top: 4px; padding: 4px 10px; background: #fff4e0; border-left: 4px solid #f58518;
  font-size: 13px; }
"""


#: plotly.js's official "cartesian" partial bundle (npm plotly.js-cartesian-dist-min, MIT) at the
#: version Panel's Plotly pane is built for: 1.3 MB to run instead of the full 4.7 MB bundle, about
#: half a second sooner to the first chart. ``make plotly-bundle`` fetches it for a new Panel.
PLOTLY_JS = Path(__file__).parent / "_static" / f"plotly-cartesian-{PLOTLY_VERSION}.min.js"
#: The trace types in that bundle; every figure in :mod:`spacedata.plots` uses only these.
PLOTLY_TRACES = frozenset(
    "bar box contour heatmap histogram histogram2d histogram2dcontour image pie scatter "
    "scatterternary violin".split()
)


class Template(pn.template.VanillaTemplate):
    """The dashboard page: Panel's VanillaTemplate, which needs no web-component framework
    (FastListTemplate's costs ~0.1 s to the first chart and ~0.3 s to all six), plus
    :data:`PLOTLY_JS` and no web font, so the page loads nothing from off the server.

    Load the extensions with :func:`load_extensions`, which keeps Panel from adding its own
    full plotly.js bundle to the page.
    """

    _js = [PLOTLY_JS] if PLOTLY_JS.is_file() else []
    _resources = {"css": {}}  # VanillaTemplate's Google Fonts stylesheet: system fonts instead


def load_extensions(**config) -> None:
    """``pn.extension("plotly", "tabulator", **config)`` for the served page, whose plotly.js
    comes from :class:`Template` (:data:`PLOTLY_JS`).

    Panel has no setting for a smaller plotly.js: its Plotly model lists the full bundle as a
    page resource, so that list is emptied here. Call it in the server process only; a
    notebook keeps Panel's full bundle. Without :data:`PLOTLY_JS` (a Panel expecting another
    plotly.js version), Panel's own bundle stays: slower, but the charts work.
    """
    pn.extension("plotly", "tabulator", **config)
    if PLOTLY_JS.is_file():
        PlotlyPlot.__javascript__ = []


def after_load(*objects) -> pn.Column:
    """A column that receives ``objects`` once the browser has drawn the page
    (``pn.state.onload``), so what is above the fold shows sooner. Outside a server: at once."""
    column = pn.Column(sizing_mode="stretch_width")
    pn.state.onload(lambda: column.extend(objects))
    return column


def build_app(shared: SharedData, query_args: dict | None = None) -> Template:
    """The whole page for one session: store, views, and the URL kept in step with the filters."""
    loaded = shared.current
    store = DataStore(loaded.frame)
    if query_args:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            store.apply_query(query_args)
    location = pn.state.location
    if location is not None:

        def sync_url(*_):
            location.search = store.to_query()

        store.param.watch(sync_url, "filtered")
    charts = Charts(store)
    first_row, *lower_rows = charts.rows()
    template = Template(
        title="Spacecraft — Launch Library 2",
        sidebar=[pn.pane.Markdown("### Filters"), store],
        main=[
            ProvenanceView(store, loaded),
            KPIs(store),
            pn.Column(charts.empty, first_row, sizing_mode="stretch_width"),
            after_load(*lower_rows),
            after_load(RecordsTable(store)),
        ],
        header_background="#4c78a8",
        sidebar_width=330,
        busy_indicator=None,  # a spinner for a 0.1 s update costs more server time than it saves
    )
    return template
