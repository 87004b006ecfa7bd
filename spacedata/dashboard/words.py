"""The words the dashboard's viewers read that are not about one view alone: what is shown when
nothing matches or a source holds no flights, the active filters' chips, the KPIs' context, and
what the bundled sample is. The data layer states facts (the sample's manifest says what it
holds, as data); these sentences are the dashboard's, and live with its views.

Plain words only: the page never shows markdown (no backticks, no ``**``), and how to fetch
data is the operator's business (the server log, the README), never the viewer's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import plots
from .filters import Choice, Contains, DateRange, Filter, Flag, IntRange

#: When no spacecraft passes the filters (the message's heading, and the charts' one message).
NO_MATCH = "No spacecraft match these filters"
#: When the source holds flights but the filters and dates leave none.
NO_FLIGHT_MATCH = "No flights match these filters"
#: When the source holds no flight records at all.
NO_FLIGHTS = "No flight records in this source"
#: Why, under :data:`NO_FLIGHTS` (the charts' words; the page's are :func:`no_flights`).
NO_FLIGHTS_WHY = "This data holds spacecraft records only, so there is nothing to draw in time."
#: How to get flight records: for the operator, logged once (never shown in the page).
HOW_TO_FETCH_FLIGHTS = (
    "the dashboard's data holds no flight records, so its Through time view is empty: "
    "`spacedata fetch --wait` reads the flights too (about 18 API calls, more than LL2's free "
    "15 an hour; --wait spreads them over the quota), then restart the dashboard (it serves "
    "the latest snapshot) or point SPACEDATA_SNAPSHOT at the new one"
)
#: What the dashboard's charts say when they have nothing to draw.
FIGURE_TEXT = plots.EmptyText(
    no_match=NO_MATCH,
    no_flight_match=NO_FLIGHT_MATCH,
    no_flights=NO_FLIGHTS,
    how_to_fetch_flights=NO_FLIGHTS_WHY,
)


def count(n: int, noun: str) -> str:
    """``1 spacecraft``, ``2 flights``, ``1 flight``: ``n`` with ``noun`` (its plural)."""
    if noun.endswith("s") and n == 1:
        noun = noun[:-1]
    return f"{n:,} {noun}"


def share(part: float, whole: float) -> str:
    """``part`` of ``whole`` as a whole percentage that never rounds to a wrong extreme:
    ``"22%"``, ``"<1%"`` for a little, ``">99%"`` for nearly all, ``"100%"`` only for all."""
    if whole <= 0:
        return "0%"
    if abs(part - whole) <= 1e-9 * abs(whole):  # the same sum, added in another order
        return "100%"
    pct = 100 * part / whole
    if 0 < pct < 1:
        return "<1%"
    if 99 < pct < 100:
        return ">99%"
    return f"{round(pct)}%"


def no_match(total: int, reasons: list[tuple[str, int]]) -> tuple[str, list[str], str]:
    """What :class:`~.views.NoMatch` says: a sentence naming how many spacecraft the data
    holds, one line per filter to blame (``reasons``: ``DataStore.explain_empty()``), and what
    to do."""
    lead = (
        f"This data holds {count(total, 'spacecraft')}; the filters set exclude every one of them:"
    )
    items = []
    for words, without in reasons:
        after = (
            f"removing it would show {count(without, 'spacecraft')}"
            if without
            else "removing it alone would still show none"
        )
        items.append(f"{words} ({after})")
    return lead, items, "Remove a filter (the × on its chip above), or reset them all."


def no_flights(source: str | None, spacecraft: int) -> str:
    """Why the "Through time" view is empty when the data holds no flight records at all."""
    what = f"the data being shown ({source})" if source else "the data being shown"
    return (
        f"The charts through time are drawn from flight records, and {what} has spacecraft "
        f"records only ({count(spacecraft, 'spacecraft')}). The Spacecraft view shows them."
    )


def no_flight_match(total: int, flown: int, planned: int, filters: list[str]) -> str:
    """Why the "Through time" view is empty when its data holds flights but the filters and
    dates leave none (``filters``: the active filters in words, :func:`chip`)."""
    held = f"This data holds {count(total, 'flights')} ({flown:,} flown, {planned:,} planned)"
    if filters:
        held += "; together, these filters leave none of them: " + "; ".join(filters) + "."
    else:
        held += ", none of them launched within the dates set."
    return held + " Widen the dates, remove a filter (the × on its chip above), or reset them all."


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else str(value)


def _or(values: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def chip(f: Filter, value: Any) -> tuple[str, str]:
    """An active filter's chip: its words (``"Agency: NASA or SpX"``, ``"In space now"``) and
    its name for "Remove filter: ..." (``"Agency NASA or SpX"``)."""
    if isinstance(f, Flag):
        if value:
            return f.label, f.label
        return f"{f.label}: no", f"{f.label} no"
    if isinstance(f, Choice):
        said = _or(list(value))
    elif isinstance(f, Contains):
        said = f"“{value.strip()}”"
    elif isinstance(f, IntRange):
        said = f"{value[0]:,} to {value[1]:,}"
    elif isinstance(f, DateRange):
        said = f"{_day(value[0])} to {_day(value[1])}"
    else:  # a new kind: its own words
        return f.describe(None, value), f.describe(None, value)
    return f"{f.label}: {said}", f"{f.label} {said}"


def kpi_context(
    key: str, shown: dict[str, float], loaded: dict[str, float], placeholders_hidden: int = 0
) -> str:
    """What a KPI counts or sums, and its share: ``shown``/``loaded`` are
    :func:`~.views.summary` of the spacecraft shown and of all loaded; ``placeholders_hidden``:
    the placeholder records the default filter keeps out (said on the spacecraft count)."""
    if key == "spacecraft":
        text = f"of {loaded['spacecraft']:,.0f} loaded ({share(shown['spacecraft'], loaded['spacecraft'])})"
        if placeholders_hidden:
            text += f"; {count(placeholders_hidden, 'placeholders')} hidden"
        return text
    if key == "flights":
        return (
            f"summed over these spacecraft ({share(shown['flights'], loaded['flights'])} of "
            f"{loaded['flights']:,.0f}); planned not counted"
        )
    if key == "years":
        return (
            f"summed over these spacecraft ({share(shown['years'], loaded['years'])} of "
            f"{loaded['years']:,.1f} years)"
        )
    if key == "in_space":
        return f"of the {shown['spacecraft']:,.0f} shown ({share(shown['in_space'], shown['spacecraft'])})"
    raise KeyError(key)


#: Where the bundled sample comes from and what that does to charts (the provenance line's
#: "About this data"; the sample's manifest states the same facts as data: its ``note``, each
#: endpoint's ``problems`` and each page's ``origin``).
BUNDLED_ABOUT = (
    "The bundled sample is real LL2 data from its development host (lldev.thespacedevs.com), "
    "a stale and limited copy, not the whole catalogue. Spacecraft: 20 records of about 603, "
    "from two pages captured on unrecorded dates (offset 30 in the default order, and offset "
    "300 ordered by most flights first); all 20 flew exactly once, so they are skewed to "
    "single-use craft. Flights: the whole 38-flight listing that host held about 2026-07-19, "
    '27 flown and 11 planned (a planned flight\'s date can mean just "some time in 2026"), '
    "2025-2027 flights only, so the charts through time show those years, not LL2's history. "
    "The 35 spacecraft those flights carry are not in the two pages: they are added from the "
    "record each flight embeds (seen_in = spacecraft_flights), and every reused craft in the "
    "sample is one of them."
)
