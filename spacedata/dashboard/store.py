"""The dashboard's filters, each declared once, and the :class:`DataStore` built from them.

A filter declaration says everything about one filter: the :class:`DataStore` parameter it
becomes, the column it restricts, the widget it shows, its URL key and how URL text becomes a
value. The parameter, the widget, the filtering, the URL round-trip, the reset and the "nothing
matches" explanation are all derived from :data:`FILTERS`, so adding a filter is one line
there (and a new kind, rarely, one small class in :mod:`.filters`).

URL state: filters are written to the URL as readable, repeatable keys with defaults left out
(``?agency=NASA&agency=SpX&flights=2-30``); a value that is unknown or does not parse is
ignored with a visible notice, and the valid values beside it still apply. Panel's
``pn.state.location.sync`` cannot do that (see :meth:`DataStore.apply_query`), so a small codec
derived from the declarations does.

User text (name search, URL values) is matched with plain substring/equality tests, never
``DataFrame.query``/``eval``, and is shown only as text.

Shared aggregates: what a filter state produces (the filtered rows, the figures, the KPI
figures, the table's frame) depends only on the data and the filter values, so it is computed
once per server process and shared by every session in that state (:data:`AGGREGATES`, a
bounded, thread-safe LRU of :mod:`.cache`, keyed by :func:`data_version` of the frame and
:meth:`DataStore.state`). The hundredth viewer of the default view builds none of it. A data
refresh publishes a new frame, hence a new version: old entries are never served for it and
age out. Everything cached is shared: treat it as read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import panel as pn
import param

from .cache import AGGREGATES, data_version
from .filters import KEEP, Choice, Contains, DateRange, Filter, Flag, IntRange

#: The dashboard's filters, in sidebar order. One line each: this is the only place a filter
#: is named, bound to a column, given a widget kind and a URL key.
FILTERS: tuple[Filter, ...] = (
    Choice("agency", "agency_abbrev", "Agency", url="agency", full_name="agency_name"),
    Choice("config", "config_name", "Spacecraft configuration", url="config"),
    Choice("config_type", "config_type", "Configuration type", url="type"),
    Choice("status", "status", "Status", url="status"),
    Flag("in_space_only", "in_space", "In space now", url="in_space", on=True, off=None),
    Flag(
        "include_placeholders",
        "is_placeholder",
        "Include placeholders",
        url="placeholders",
        on=None,
        off=False,
    ),
    Contains("name_search", "name", "Name contains", url="q", placeholder="e.g. Soyuz"),
    IntRange("flights", "flights_count", "Flights", url="flights"),
    DateRange("launched", "launch_net", "Launched (UTC)", url="launched"),
)
FILTER_NAMES = tuple(f.name for f in FILTERS)
_BY_URL = {f.url: f for f in FILTERS}


#: One parameter per :data:`FILTERS` entry, in that order; :class:`DataStore` inherits them.
FilterParameters = param.parameterized_class(
    "FilterParameters", {f.name: f.parameter() for f in FILTERS}
)


class DataStore(pn.viewable.Viewer, FilterParameters):
    """Owns the data and the filters (one parameter per :data:`FILTERS` entry, e.g.
    ``store.agency``); ``filtered`` is the frame every view draws.

    ``DataStore(frame)`` works in a notebook too; ``pn.panel(store)`` shows the filter widgets.
    The frame is never modified (sessions share it): filtering builds a new one.
    """

    data = param.DataFrame(doc="The wide spacecraft frame (spacedata.load_spacecraft).")
    filtered = param.DataFrame(doc="data after the filters; recomputed when a filter changes.")
    flights_data = param.DataFrame(
        doc="The wide flights frame (Tables.flights_wide); empty when the source has none."
    )
    flights_filtered = param.DataFrame(
        doc="The flights of the spacecraft in filtered, after the flights' own filters."
    )
    notices = param.List(default=[], doc="Plain-text notices, e.g. ignored URL values.")

    def __init__(self, data: pd.DataFrame, flights: pd.DataFrame | None = None, **params):
        values = {k: params.pop(k) for k in list(params) if k in FILTER_NAMES}
        if flights is None:
            from ..tidy import FLIGHTS_WIDE_DTYPES, _empty

            flights = _empty(FLIGHTS_WIDE_DTYPES)
        super().__init__(data=data, flights_data=flights, **params)
        self._hints: dict[str, dict[str, str]] = {}
        for f in FILTERS:
            f.prepare(self, self.frame_for(f))
        self.param.update(**values)
        self._apply()

    def frame_for(self, f: Filter) -> pd.DataFrame:
        """The frame filter ``f`` restricts (:attr:`Filter.applies_to`)."""
        return self.flights_data if f.applies_to == "flights" else self.data

    @param.depends(*FILTER_NAMES, watch=True)
    def _apply(self) -> None:
        filtered = self.shared("filtered", lambda: self.filter(self.data), "spacecraft")
        flights = self.shared("flights", lambda: self.filter_flights(filtered))
        with pn.io.hold():  # one patch to the browser for all views, not one per model
            if filtered is not self.filtered:  # a flights-only filter leaves the rest alone
                self.filtered = filtered
            if flights is not self.flights_filtered:
                self.flights_filtered = flights

    def state(self, applies_to: str | None = None) -> tuple:
        """The filter values as a hashable key: equal for two stores that filter alike. With
        ``applies_to``: only the filters that restrict that frame."""
        out = []
        for f in FILTERS:
            if applies_to is not None and f.applies_to != applies_to:
                continue
            value = getattr(self, f.name)
            if isinstance(f, DateRange):
                value = f.days(self, value)
            elif isinstance(value, list | tuple):
                value = tuple(value) if isinstance(f, IntRange) else tuple(sorted(map(str, value)))
            elif isinstance(value, str):
                value = value.strip()
            out.append(value)
        return tuple(out)

    def cache_key(self, kind: str, applies_to: str | None = None) -> tuple:
        """``(data version, filter state, kind)``: the :data:`AGGREGATES` key of ``kind``
        (``applies_to``: of an aggregate that only that frame's filters change)."""
        return (data_version(self.data), self.state(applies_to), kind)

    def shared(self, kind: str, build: Callable[[], Any], applies_to: str | None = None) -> Any:
        """The ``kind`` aggregate of the current data and filters, from :data:`AGGREGATES`
        (``build()`` runs only when no session of this process has built it). Read-only.
        ``applies_to="spacecraft"`` for what only the spacecraft filters change."""
        return AGGREGATES.get(self.cache_key(kind, applies_to), build)

    def masks(self, df: pd.DataFrame, applies_to: str = "spacecraft") -> dict[Filter, pd.Series]:
        """The filters of ``applies_to`` that restrict ``df`` now, each with the rows it keeps."""
        out = {}
        for f in FILTERS:
            if f.applies_to != applies_to:
                continue
            m = f.mask(self, df, getattr(self, f.name))
            if m is not None:
                out[f] = m.to_numpy(dtype=bool)
        return out

    def filter(self, df: pd.DataFrame, applies_to: str = "spacecraft") -> pd.DataFrame:
        """``df`` restricted by the current values of the filters of ``applies_to``."""
        keep = pd.Series(True, index=df.index).to_numpy()
        for m in self.masks(df, applies_to).values():
            keep = keep & m
        out = df[keep]
        out.attrs = dict(df.attrs)
        return out

    def filter_flights(self, spacecraft: pd.DataFrame) -> pd.DataFrame:
        """The flights whose spacecraft is in ``spacecraft`` (the spacecraft that pass the
        filters, the default placeholder filter included), then restricted by the flights' own
        filters (the launch dates).

        Every craft a flight carries is a row of the spacecraft table (from the spacecraft
        endpoint, or from the record the flight embeds: ``seen_in``), so the filters judge
        each flight by its craft. A flight whose craft is not in the table at all (no
        spacecraft id) cannot be judged: it is kept while every spacecraft filter is at its
        default (the view is never emptied by filters nobody set), and dropped once one is set.
        """
        flights = self.flights_data
        if self.masks(self.data):
            ids = flights["spacecraft_id"]
            keep = ids.isin(spacecraft["id"]).fillna(False).to_numpy()
            if not self.restricted():
                keep = keep | ~ids.isin(self.data["id"]).fillna(False).to_numpy()
            flights = flights[keep]
            flights.attrs = dict(self.flights_data.attrs)
        return self.filter(flights, "flights")

    def restricted(self, applies_to: str = "spacecraft") -> bool:
        """Whether a filter of ``applies_to`` is set away from its default (what the URL
        writes: defaults are left out of it)."""
        return any(
            f.encode(self, getattr(self, f.name)) for f in FILTERS if f.applies_to == applies_to
        )

    def reset(self, *_) -> None:
        """Every filter back to its default (no restriction but hidden placeholders)."""
        self.param.update(**{f.name: f.default(self) for f in FILTERS}, notices=[])

    def explain_empty(self) -> list[tuple[str, int]]:
        """When nothing matches: each filter that restricts the data, in words, with how many
        spacecraft removing just that one would show (0: it is not the only one to blame).
        Filters still at their default (hidden placeholders) are named only when to blame."""
        masks = self.masks(self.data)
        out = []
        for f in masks:
            keep = pd.Series(True, index=self.data.index).to_numpy()
            for g, m in masks.items():
                if g is not f:
                    keep = keep & m
            value, without = getattr(self, f.name), int(keep.sum())
            if without or value != f.default(self):
                out.append((f.describe(self, value), without))
        return out

    # -- URL state ---------------------------------------------------------------------------

    def to_query(self) -> str:
        """The non-default filters as a URL query string (``?agency=NASA&in_space=1``)."""
        pairs = [(f.url, v) for f in FILTERS for v in f.encode(self, getattr(self, f.name))]
        return "?" + urlencode(pairs) if pairs else ""

    def apply_query(self, args: dict[str, list], *, whole: bool = False) -> list[str]:
        """Set filters from URL query args (``{key: [values]}``, values str or bytes, as in
        ``pn.state.session_args``). Unknown keys, and values that do not exist or do not
        parse, are ignored with one notice each; every valid value still applies.
        ``whole=True``: the query is the whole state (Back/Forward to it), so every filter it
        leaves out goes back to its default, in the same update.

        Why not ``pn.state.location.sync``: it applies all URL values or none (one unknown
        agency would drop a valid name search with it), ignores unknown keys without a word,
        raises on ``?flights=²`` (``"²".isdigit()``), turns ``?q=123`` into a number,
        ``literal_eval``s bracketed values, and rewrites the URL with every synced parameter
        JSON-encoded, defaults included, keeping keys of filters that were cleared.
        """
        notices: list[str] = []
        update: dict[str, Any] = {f.name: f.default(self) for f in FILTERS} if whole else {}
        for key, raw in args.items():
            texts = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in raw]
            f = _BY_URL.get(key)
            if f is None:
                notices.append(f"Ignored unknown URL parameter {key!r}.")
                continue
            if not texts:
                continue
            value, said = f.decode(self, texts)
            notices += said
            if value is not KEEP:
                update[f.name] = value
        self.param.update(**update, notices=notices)
        return notices

    # -- widgets -----------------------------------------------------------------------------

    def widgets(self, applies_to: str = "spacecraft") -> list[pn.viewable.Viewable]:
        """One widget per filter of ``applies_to``, linked both ways to its parameter, in
        :data:`FILTERS` order."""
        return [f.widget(self) for f in FILTERS if f.applies_to == applies_to]

    def __panel__(self):
        reset = pn.widgets.Button(label="Reset filters", color="light", css_classes=["sd-reset"])
        reset.on_click(self.reset)
        return pn.Column(*self.widgets(), reset, sizing_mode="stretch_width")
