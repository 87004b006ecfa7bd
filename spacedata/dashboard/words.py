"""The words the dashboard's viewers read that are not about one view alone: what is shown when
nothing matches or a source holds no flights, and what the bundled sample is. The data layer
states facts (the sample's manifest says what it holds, as data); these sentences are the
dashboard's, and live with its views.
"""

from __future__ import annotations

from .. import plots

#: When no spacecraft passes the filters (the message's heading, and the charts' one message).
NO_MATCH = "No spacecraft match these filters"
#: When the source holds flights but the filters and dates leave none.
NO_FLIGHT_MATCH = "No flights match these filters"
#: When the source holds no flight records at all.
NO_FLIGHTS = "No flight records in this source"
#: How to get flight records (shown under :data:`NO_FLIGHTS`).
HOW_TO_FETCH_FLIGHTS = (
    "Run `spacedata fetch --wait` (Python: spacedata.fetch()): it reads the flights too, "
    "about 18 API calls, more than LL2's free 15 an hour, so --wait spreads them over the "
    "quota. Then load that snapshot."
)
#: What the dashboard's charts say when they have nothing to draw.
FIGURE_TEXT = plots.EmptyText(
    no_match=NO_MATCH,
    no_flight_match=NO_FLIGHT_MATCH,
    no_flights=NO_FLIGHTS,
    how_to_fetch_flights=HOW_TO_FETCH_FLIGHTS,
)

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
