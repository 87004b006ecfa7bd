"""One colour per name: the :class:`Palette` every figure of :mod:`spacedata.plots` colours its
agencies and configurations from, so that a name has the same colour in every chart, in
every filter state, in the notebooks and in both views of the dashboard.

A palette is assigned once per data set (:func:`palette_of` the whole loaded spacecraft and
flights frames, never a filtered one): the names of each kind are ranked by their flights
over the whole data (the spacecraft's ``flights_count`` summed, then the rows of the flights
frame), then by name, and take the colours of :data:`COLOURS` in that order, so that the first
18 names of a kind never share a colour (a chart draws ten and "other"); agencies start
:data:`AGENCY_OFFSET` along, so the top agencies and the top configurations differ too (with
more names than colours, an agency may share a colour with a configuration further down). A name the palette was not built with (a frame from other data)
gets a colour from a hash of its name: still one colour per name, the same in every process.
:data:`OTHER` ("the rest") is always :data:`OTHER_COLOR`, a grey that no name gets.

The same data always gives the same palette, so a reload of unchanged data keeps every
colour; a refresh that adds a name or changes the ranking may move colours (the palette is
the data set's, not a registry kept across data sets).
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Mapping

import pandas as pd

from ._figure import _GROUPS, OTHER, OTHER_COLOR

#: The colours names take, in rank order (Vega's tableau20 without its two greys: the strong
#: nine first, then their light partners), none of them :data:`OTHER_COLOR`'s grey.
COLOURS: tuple[str, ...] = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#439894",
    "#b79a20",
    "#b279a2",
    "#d67195",
    "#9e765f",
    "#9ecae9",
    "#ffbf79",
    "#88d27a",
    "#ff9d98",
    "#83bcb6",
    "#f2cf5b",
    "#d6a5c9",
    "#fcbfd2",
    "#d8b5a5",
)
#: Where agencies start in :data:`COLOURS` (configurations start at 0): the five agencies
#: with most flights take strong colours no configuration of the first four has.
AGENCY_OFFSET = 4
#: The kinds of name a palette colours (the ``by`` of the figure builders).
KINDS = tuple(_GROUPS)
#: How a missing group label is shown (and coloured).
UNKNOWN = "(unknown)"


@dataclasses.dataclass(frozen=True)
class Palette:
    """Name -> colour, per kind (``"agency"``: abbreviations such as ``NASA``;
    ``"configuration"``: configuration names; ``"config_type"``). Immutable: share it."""

    colours: Mapping[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def colour(self, by: str, name: object) -> str:
        """The colour of ``name`` (a group label, unescaped) of kind ``by``: :data:`OTHER_COLOR`
        for :data:`OTHER`; the palette's colour; else one from a hash of the name."""
        label = (
            UNKNOWN if name is None or (not isinstance(name, str) and pd.isna(name)) else str(name)
        )
        if label == OTHER:
            return OTHER_COLOR
        found = self.colours.get((by, label))
        if found is not None:
            return found
        return COLOURS[zlib.crc32(f"{by}\0{label}".encode()) % len(COLOURS)]

    def colours_of(self, by: str, names) -> list[str]:
        """:meth:`colour` of each name of ``names``."""
        return [self.colour(by, n) for n in names]

    def names(self, by: str) -> list[str]:
        """The names of kind ``by`` the palette was built with, in rank order."""
        return [name for kind, name in self.colours if kind == by]


def _ranked(by: str, spacecraft: pd.DataFrame | None, flights: pd.DataFrame | None) -> list[str]:
    """The names of kind ``by`` in both frames, most flights first, then by name."""
    col = _GROUPS[by]
    score: dict[str, list[float]] = {}
    for i, frame in enumerate((spacecraft, flights)):
        if frame is None or col not in frame.columns or frame.empty:
            continue
        labels = frame[col].astype("string").fillna(UNKNOWN).astype(str)
        if i == 0 and "flights_count" in frame.columns:
            counts = (
                frame["flights_count"].astype("Float64").fillna(0).groupby(labels.to_numpy()).sum()
            )
        else:
            counts = labels.value_counts()
        for name, n in counts.items():
            score.setdefault(str(name), [0.0, 0.0])[i] += float(n)
    return sorted(score, key=lambda name: (-score[name][0], -score[name][1], name))


def palette_of(
    spacecraft: pd.DataFrame | None = None, flights: pd.DataFrame | None = None
) -> Palette:
    """The palette of a data set: the whole loaded spacecraft frame
    (:func:`spacedata.load_spacecraft`) and flights frame (:func:`spacedata.load_flights`),
    either may be None. Pass the unfiltered frames: a palette of a filtered frame ranks only
    the names left in it. Deterministic: the same data gives the same palette."""
    out: dict[tuple[str, str], str] = {}
    # each kind runs through all the colours, so that no two of its first len(COLOURS) names
    # share one (a chart draws at most MAX_GROUPS and "other"); agencies start AGENCY_OFFSET
    # along, so that the first agencies and the first configurations differ
    for i, name in enumerate(_ranked("configuration", spacecraft, flights)):
        out[("configuration", name)] = COLOURS[i % len(COLOURS)]
    for i, name in enumerate(_ranked("agency", spacecraft, flights)):
        out[("agency", name)] = COLOURS[(i + AGENCY_OFFSET) % len(COLOURS)]
    for i, name in enumerate(_ranked("config_type", spacecraft, flights)):
        out[("config_type", name)] = COLOURS[i % len(COLOURS)]
    out = {k: v for k, v in out.items() if k[1] != OTHER}  # "other" is always grey
    return Palette(out)


def _palette(df: pd.DataFrame, palette: Palette | None) -> Palette:
    """The palette a builder colours with: the one given, else one of ``df`` itself (a
    notebook's whole frame; pass :func:`palette_of` the data set to match other charts)."""
    if palette is not None:
        return palette
    flights = "spacecraft_id" in df.columns and "launch_net" in df.columns
    return palette_of(None, df) if flights else palette_of(df, None)
