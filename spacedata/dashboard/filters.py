"""The kinds of dashboard filter: :class:`Filter` and its subclasses :class:`Choice`,
:class:`Flag`, :class:`Contains`, :class:`IntRange` and :class:`DateRange`. A kind says, for a
filter declared in :data:`spacedata.dashboard.store.FILTERS`, what parameter of the
:class:`~spacedata.dashboard.store.DataStore` it becomes, which rows a value keeps, how the
value goes to and from the URL (unknown or unparsable text: ignored with a notice), how it is
said in words and which widget shows it.

User text (name search, URL values) is matched with plain substring/equality tests, never
``DataFrame.query``/``eval``, and is shown only as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, ClassVar

import pandas as pd
import panel as pn
import param

from .cache import AGGREGATES, data_version
from .widgets import CHECKBOX_CSS, FOCUS_CSS, SLIDER_CSS, Picker

#: What a filter works on: the DataStore (any Parameterized that declares the filter's
#: parameter), named by its base class so this module needs nothing of store.py.
Store = param.Parameterized


#: Sentinel of :meth:`Filter.decode`: the URL gave nothing usable, keep the current value.
KEEP = object()


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

    def prepare(self, store: Store, df: pd.DataFrame) -> None:
        """Fit the store's parameter to the data (options, bounds)."""

    def default(self, store: Store) -> Any:
        return store.param[self.name].default

    def mask(self, store: Store, df: pd.DataFrame, value: Any) -> pd.Series | None:
        """Rows of ``df`` that ``value`` keeps, or None when it keeps all of them."""
        raise NotImplementedError

    def encode(self, store: Store, value: Any) -> list[str]:
        """URL values for ``value``; none at the default."""
        raise NotImplementedError

    def decode(self, store: Store, texts: list[str]) -> tuple[Any, list[str]]:
        """``(value or KEEP, notices)`` from the URL values of :attr:`url`."""
        raise NotImplementedError

    def describe(self, store: Store, value: Any) -> str:
        """The restriction in words, for the "nothing matches" message."""
        raise NotImplementedError

    def widget(self, store: Store) -> pn.viewable.Viewable:
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

    def prepare(self, store: Store, df: pd.DataFrame) -> None:
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

    def options(self, store: Store) -> list[dict[str, str]]:
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
            store.param[self.name],
            css_classes=["sd-filter", f"sd-filter-{self.name}"],
            stylesheets=[FOCUS_CSS, CHECKBOX_CSS],
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
            stylesheets=[FOCUS_CSS],
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
            store.param[self.name],
            step=1,
            css_classes=["sd-filter", f"sd-filter-{self.name}"],
            stylesheets=[FOCUS_CSS, SLIDER_CSS],
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
            stylesheets=[FOCUS_CSS, SLIDER_CSS],
        )
