"""The servable spacecraft dashboard.

``panel serve dashboards/spacecraft.py`` (``spacedata serve``) runs it from a checkout; from an
installed package, ``panel serve "$(python -c 'import spacedata.dashboard.app as m;
print(m.__file__)')"`` serves this file directly, and ``pn.serve({"spacecraft": app})`` serves
:func:`app` from Python.

Data: the bundled sample by default (offline; real records of the development host: 55 spacecraft,
38 flights of 2025-2027, see :data:`spacedata.dashboard.words.BUNDLED_ABOUT`);
``SPACEDATA_SNAPSHOT=DIR`` serves a snapshot from ``spacedata fetch``;
``SPACEDATA_DASHBOARD_SOURCE=live`` reads LL2 through the cache and refreshes every
``SPACEDATA_REFRESH`` (default 6h; "off" to disable). Loaded once per process, shared by
sessions.
"""

from __future__ import annotations

import html
import logging

import panel as pn

# Absolute imports: `panel serve` runs this file as a script, outside its package.
from spacedata.dashboard.data import loader_from_env, shared_data, tune_gc_for_serving
from spacedata.dashboard.page import TITLE, Template, build_app, load_extensions

log = logging.getLogger("spacedata")

#: What a viewer reads when no source at all could be loaded (the server log says why).
UNAVAILABLE = (
    "The spacecraft dashboard cannot show its data right now. The people who run this server "
    "can see why in its log."
)


def app() -> Template | pn.Column:
    """The page for the current session (call it once per session, e.g. from ``pn.serve``).

    Never a traceback in the page: a source that cannot be used is skipped by the loader (the
    banner says so), and should nothing at all load, the page says so in one sentence and the
    server logs one line."""
    load_extensions(sizing_mode="stretch_width")  # pn.extension, with a smaller plotly.js
    try:
        loader, refresh_period = loader_from_env()
        shared = shared_data(loader, refresh_period)
    except Exception as exc:  # noqa: BLE001 - the page must not show a traceback
        log.error("the dashboard has no data to serve: %s: %s", type(exc).__name__, exc)
        return unavailable()
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        tune_gc_for_serving()  # once per server process, with its data loaded
    # the served figures come from the code paths the tests validate: skip plotly's checks
    return build_app(shared, pn.state.session_args, validate_figures=False)


def unavailable() -> pn.Column:
    """The page served when no data could be loaded: a title and :data:`UNAVAILABLE`."""
    return pn.Column(
        pn.pane.HTML(
            f"<main><h1>{html.escape(TITLE)}</h1><p class='sd-unavailable'>"
            f"{html.escape(UNAVAILABLE)}</p></main>"
        ),
        sizing_mode="stretch_width",
    )


if __name__.startswith("bokeh_app"):  # run as a script by `panel serve`
    app().servable(title=TITLE)
