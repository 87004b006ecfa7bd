"""The dashboard's filters, each declared once, and the :class:`DataStore` built from them.

A filter declaration says everything about one filter: the :class:`DataStore` parameter it
becomes, the column it restricts, the widget it shows, its URL key and how URL text becomes a
value. The parameter, the widget, the filtering, the URL round-trip, the reset and the "nothing
matches" explanation are all derived from :data:`FILTERS`, so adding a filter is one line
there (and a new kind, rarely, one small class here).

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
bounded, thread-safe LRU keyed by :func:`data_version` of the frame and
:meth:`DataStore.state`). The hundredth viewer of the default view builds none of it. A data
refresh publishes a new frame, hence a new version: old entries are never served for it and
age out. Everything cached is shared: treat it as read-only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, ClassVar
from urllib.parse import urlencode

import pandas as pd
import panel as pn
import param

from .widgets import Picker

#: Sentinel of :meth:`Filter.decode`: the URL gave nothing usable, keep the current value.
KEEP = object()


class SharedCache:
    """A bounded, thread-safe LRU of values shared by sessions (``maxsize`` entries).

    :meth:`get` builds a missing value once, even when several threads ask for it at the same
    time (the others wait for it); :attr:`builds` counts the builds per kind (the last element
    of the key), for tests and benchmarks.
    """

    def __init__(self, maxsize: int = 256):
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self.builds: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()

    def get(self, key: tuple, build: Callable[[], Any]) -> Any:
        kind = key[-1]
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits[kind] += 1
                return self._entries[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._entries:  # another thread built it while this one waited
                    self._entries.move_to_end(key)
                    self.hits[kind] += 1
                    return self._entries[key]
            try:
                value = build()
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)
                raise
            with self._lock:
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
                self._building.pop(key, None)
                self.builds[kind] += 1
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.builds.clear()
            self.hits.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: Aggregates per (data version, filter state, kind), shared by the sessions of a process.
AGGREGATES = SharedCache(256)

_versions: dict[int, tuple[weakref.ref, int]] = {}
_versions_lock = threading.Lock()
_next_version = itertools.count(1)


def data_version(frame: pd.DataFrame) -> int:
    """A number for this frame object, never reused by another frame in this process (a
    refresh's new frame gets a new one). Frames are shared read-only, so the object is the
    version; a frame changed in place after it was shown would need a new object."""
    key = id(frame)
    with _versions_lock:
        entry = _versions.get(key)
        if entry is not None and entry[0]() is frame:
            return entry[1]
        version = next(_next_version)

        def forget(_ref, key=key, version=version):
            entry = _versions.get(key)
            if entry is not None and entry[1] == version:
                _versions.pop(key, None)

        _versions[key] = (weakref.ref(frame, forget), version)
        return version


@dataclasses.dataclass(frozen=True)
class Filter:
    """One filter. Subclasses are the kinds: :class:`Choice`, :class:`Flag`, :class:`Contains`,
    :class:`IntRange`.

    Attributes:
        name: the :class:`DataStore` parameter (``store.agency``).
        column: the column of the wide frame it restricts.
        label: what the widget and messages call it.
        url: its URL query key.
    """

    name: str
    column: str
    label: str
    url: str

    #: The frame it restricts: ``spacecraft`` (the flights follow: a flight is kept when its
    #: spacecraft is) or ``flights`` (only the flights).
    applies_to: ClassVar[str] = "spacecraft"

    def parameter(self) -> param.Parameter:
        """The :class:`DataStore` parameter (its default is "no restriction" unless said)."""
        raise NotImplementedError

    def prepare(self, store: DataStore, df: pd.DataFrame) -> None:
        """Fit the store's parameter to the data (options, bounds)."""

    def default(self, store: DataStore) -> Any:
        return store.param[self.name].default

    def mask(self, store: DataStore, df: pd.DataFrame, value: Any) -> pd.Series | None:
        """Rows of ``df`` that ``value`` keeps, or None when it keeps all of them."""
        raise NotImplementedError

    def encode(self, store: DataStore, value: Any) -> list[str]:
        """URL values for ``value``; none at the default."""
        raise NotImplementedError

    def decode(self, store: DataStore, texts: list[str]) -> tuple[Any, list[str]]:
        """``(value or KEEP, notices)`` from the URL values of :attr:`url`."""
        raise NotImplementedError

    def describe(self, store: DataStore, value: Any) -> str:
        """The restriction in words, for the "nothing matches" message."""
        raise NotImplementedError

    def widget(self, store: DataStore) -> pn.viewable.Viewable:
        """A widget linked both ways to the store's parameter."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Choice(Filter):
    """Keep rows whose :attr:`column` is one of the chosen values (none chosen: all rows).

    ``full_name``: a column naming each value in full (``agency_name`` for ``agency_abbrev``);
    shown beside the value in the picker and on hover, searched when typing, and accepted in
    URLs so that links written with full names keep working.
    """

    full_name: str | None = None

    def parameter(self) -> param.Parameter:
        return param.ListSelector(default=[], objects=[], label=self.label)

    def prepare(self, store: DataStore, df: pd.DataFrame) -> None:
        def options():
            values = df[self.column].dropna().astype(str)
            hints: dict[str, str] = {}
            if self.full_name is not None:
                pairs = df[[self.column, self.full_name]].dropna().astype(str).drop_duplicates()
                hints = dict(zip(pairs[self.column], pairs[self.full_name], strict=True))
            return sorted(values.unique()), hints

        objects, hints = AGGREGATES.get((data_version(df), f"options-{self.name}"), options)
        store.param[self.name].objects = list(objects)
        store._hints[self.name] = dict(hints)

    def options(self, store: DataStore) -> list[dict[str, str]]:
        hints = store._hints.get(self.name, {})
        return [
            {"value": v, "label": v, "hint": hints.get(v, "")}
            for v in store.param[self.name].objects
        ]

    def mask(self, store, df, value):
        if not value:
            return None
        return df[self.column].astype("string").isin(value).fillna(False)

    def encode(self, store, value):
        return list(value)

    def decode(self, store, texts):
        known = set(store.param[self.name].objects)
        aliases = {full: short for short, full in store._hints.get(self.name, {}).items()}
        chosen, notices = [], []
        for text in texts:
            if text in known:
                chosen.append(text)
            elif text in aliases:
                chosen.append(aliases[text])
            else:
                notices.append(f"Ignored unknown {self.url} {text!r} in the URL.")
        return list(dict.fromkeys(chosen)), notices

    def describe(self, store, value):
        return f"{self.label}: {' or '.join(value)}"

    def widget(self, store):
        picker = Picker(
            label=self.label,
            options=self.options(store),
            value=list(getattr(store, self.name)),
            sizing_mode="stretch_width",
            margin=(5, 10),
            css_classes=["sd-filter", f"sd-filter-{self.name}"],
        )
        picker.link(store, value=self.name, bidirectional=True)
        return picker


@dataclasses.dataclass(frozen=True)
class Flag(Filter):
    """A checkbox. ``on``/``off``: the rows kept when it is ticked / not ticked: those where
    :attr:`column` is True, those where it is False, or all (None)."""

    on: bool | None = True
    off: bool | None = None

    def parameter(self) -> param.Parameter:
        return param.Boolean(default=False, label=self.label)

    def mask(self, store, df, value):
        keep = self.on if value else self.off
        if keep is None:
            return None
        flags = df[self.column].fillna(False).astype(bool)
        return flags if keep else ~flags

    def encode(self, store, value):
        return [] if value == self.default(store) else ["1" if value else "0"]

    def decode(self, store, texts):
        text = texts[-1]
        if text in ("0", "1"):
            return text == "1", []
        return KEEP, [f"Ignored {self.url}={text!r} in the URL (use 0 or 1)."]

    def describe(self, store, value):
        return f"“{self.label}” {'ticked' if value else 'not ticked'}"

    def widget(self, store):
        return pn.widgets.Checkbox.from_param(
            store.param[self.name], css_classes=["sd-filter", f"sd-filter-{self.name}"]
        )


@dataclasses.dataclass(frozen=True)
class Contains(Filter):
    """Keep rows whose :attr:`column` contains the typed text (case-insensitive, literal: no
    patterns). URL values are cut to ``max_length`` characters."""

    placeholder: str = ""
    max_length: int = 100

    def parameter(self) -> param.Parameter:
        return param.String(default="", label=self.label)

    def mask(self, store, df, value):
        text = value.strip()
        if not text:
            return None
        return df[self.column].str.contains(text, case=False, regex=False).fillna(False)

    def encode(self, store, value):
        return [value.strip()] if value.strip() else []

    def decode(self, store, texts):
        return texts[-1][: self.max_length], []

    def describe(self, store, value):
        return f"{self.label} “{value.strip()}”"

    def widget(self, store):
        return pn.widgets.TextInput.from_param(
            store.param[self.name],
            placeholder=self.placeholder,
            max_length=self.max_length,
            css_classes=["sd-filter", f"sd-filter-{self.name}"],
        )


_RANGE = re.compile(r"\s*(\d{1,9})\s*-\s*(\d{1,9})\s*", re.ASCII)


def parse_range(text: str, bounds: tuple[int, int]) -> tuple[int, int] | None:
    """``"2-30"`` -> (2, 30) within ``bounds``; anything else (``²``, other scripts' digits,
    huge numbers, reversed, out of bounds) -> None."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    lo, hi = int(match.group(1)), int(match.group(2))
    if not bounds[0] <= lo <= hi <= bounds[1]:
        return None
    return lo, hi


@dataclasses.dataclass(frozen=True)
class IntRange(Filter):
    """Keep rows whose integer :attr:`column` lies in ``LOW-HIGH`` (inclusive); the full range
    of the data, the default, keeps every row (missing values included)."""

    def parameter(self) -> param.Parameter:
        return param.Range(default=(0, 1), bounds=(0, 1), label=self.label)

    def prepare(self, store, df):
        col = df[self.column]
        top = max(int(col.max()) if col.notna().any() else 0, 1)
        p = store.param[self.name]
        p.bounds = (0, top)
        p.default = (0, top)
        setattr(store, self.name, (0, top))

    def mask(self, store, df, value):
        if tuple(value) == tuple(store.param[self.name].bounds):
            return None
        lo, hi = value
        return df[self.column].between(lo, hi).fillna(False)

    def encode(self, store, value):
        if tuple(value) == tuple(store.param[self.name].bounds):
            return []
        return [f"{value[0]}-{value[1]}"]

    def decode(self, store, texts):
        bounds = store.param[self.name].bounds
        rng = parse_range(texts[-1], bounds)
        if rng is None:
            return KEEP, [
                f"Ignored {self.url}={texts[-1]!r} in the URL (use LOW-HIGH within "
                f"{bounds[0]}-{bounds[1]})."
            ]
        return rng, []

    def describe(self, store, value):
        return f"{self.label} {value[0]}–{value[1]}"

    def widget(self, store):
        return pn.widgets.IntRangeSlider.from_param(
            store.param[self.name], step=1, css_classes=["sd-filter", f"sd-filter-{self.name}"]
        )


_DATES = re.compile(r"\s*(\d{4}(?:-\d{2}-\d{2})?)\s*\.\.\s*(\d{4}(?:-\d{2}-\d{2})?)\s*", re.ASCII)


def parse_dates(text: str) -> tuple[dt.date, dt.date] | None:
    """``"2001-04-01..2020-12-31"`` or ``"2001..2020"`` (whole years) -> (first, last day);
    anything else, or reversed, -> None."""
    match = _DATES.fullmatch(text)
    if match is None:
        return None
    try:
        lo = dt.date.fromisoformat(
            match.group(1) if "-" in match.group(1) else match.group(1) + "-01-01"
        )
        hi = dt.date.fromisoformat(
            match.group(2) if "-" in match.group(2) else match.group(2) + "-12-31"
        )
    except ValueError:
        return None
    return (lo, hi) if lo <= hi else None


@dataclasses.dataclass(frozen=True)
class DateRange(Filter):
    """Keep flights whose UTC date-time :attr:`column` falls on a day in ``FIRST..LAST``
    (inclusive); the whole span of the data, the default, keeps every flight (undated ones
    too). Restricts the flights only. URL: ``2001-04-01..2020-12-31`` or ``2001..2020``;
    dates outside the data's span are clipped to it, so older links keep working."""

    applies_to: ClassVar[str] = "flights"

    def parameter(self) -> param.Parameter:
        return param.DateRange(default=None, allow_None=True, label=self.label)

    def prepare(self, store, df):
        dates = df[self.column].dropna()
        p = store.param[self.name]
        if dates.empty:
            p.bounds, p.default = None, None
            setattr(store, self.name, None)
            return
        span = (dates.min().date(), dates.max().date())
        p.bounds, p.default = span, span
        setattr(store, self.name, span)

    def _span(self, store):
        return store.param[self.name].bounds

    def days(self, store, value) -> tuple[dt.date, dt.date] | None:
        """``value`` as (first, last day), None when it keeps every flight (the slider sends
        date-times: only their days count)."""
        if value is None:
            return None
        days = tuple(v.date() if isinstance(v, dt.datetime) else v for v in value)
        return None if days == tuple(self._span(store) or ()) else days

    def mask(self, store, df, value):
        days = self.days(store, value)
        if days is None:
            return None
        lo = pd.Timestamp(days[0], tz="UTC")
        hi = pd.Timestamp(days[1], tz="UTC") + pd.Timedelta(days=1)
        col = df[self.column]
        return ((col >= lo) & (col < hi)).fillna(False)

    def encode(self, store, value):
        days = self.days(store, value)
        return [] if days is None else [f"{days[0]:%Y-%m-%d}..{days[1]:%Y-%m-%d}"]

    def decode(self, store, texts):
        span = self._span(store)
        if span is None:
            return KEEP, [f"Ignored {self.url}={texts[-1]!r}: this data holds no flights."]
        dates = parse_dates(texts[-1])
        if dates is None:
            return KEEP, [
                f"Ignored {self.url}={texts[-1]!r} in the URL (use FIRST..LAST, e.g. "
                f"{span[0]:%Y-%m-%d}..{span[1]:%Y-%m-%d}, or years: {span[0].year}..{span[1].year})."
            ]
        lo, hi = max(dates[0], span[0]), min(dates[1], span[1])
        if lo > hi:
            return KEEP, [
                f"Ignored {self.url}={texts[-1]!r}: no flight of this data launched then "
                f"({span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d})."
            ]
        return (lo, hi), []

    def describe(self, store, value):
        return f"{self.label} {value[0]:%Y-%m-%d} – {value[1]:%Y-%m-%d}"

    def widget(self, store):
        if store.param[self.name].bounds is None:  # no flights: nothing to choose from
            return pn.pane.HTML("", visible=False, css_classes=[f"sd-filter-{self.name}"])
        return pn.widgets.DateRangeSlider.from_param(
            store.param[self.name],
            format="%Y-%m-%d",
            sizing_mode="stretch_width",
            margin=(5, 20),
            css_classes=["sd-filter", f"sd-filter-{self.name}"],
        )


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

    def apply_query(self, args: dict[str, list]) -> list[str]:
        """Set filters from URL query args (``{key: [values]}``, values str or bytes, as in
        ``pn.state.session_args``). Unknown keys, and values that do not exist or do not
        parse, are ignored with one notice each; every valid value still applies.

        Why not ``pn.state.location.sync``: it applies all URL values or none (one unknown
        agency would drop a valid name search with it), ignores unknown keys without a word,
        raises on ``?flights=²`` (``"²".isdigit()``), turns ``?q=123`` into a number,
        ``literal_eval``s bracketed values, and rewrites the URL with every synced parameter
        JSON-encoded, defaults included, keeping keys of filters that were cleared.
        """
        notices: list[str] = []
        update: dict[str, Any] = {}
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
