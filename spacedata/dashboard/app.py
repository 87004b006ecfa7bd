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

import panel as pn

# Absolute imports: `panel serve` runs this file as a script, outside its package.
from spacedata.dashboard.data import loader_from_env, shared_data
from spacedata.dashboard.page import TITLE, Template, build_app, load_extensions


def app() -> Template:
    """The page for the current session (call it once per session, e.g. from ``pn.serve``)."""
    load_extensions(sizing_mode="stretch_width")  # pn.extension, with a smaller plotly.js
    loader, refresh_period = loader_from_env()
    # the served figures come from the code paths the tests validate: skip plotly's checks
    return build_app(
        shared_data(loader, refresh_period), pn.state.session_args, validate_figures=False
    )


if __name__.startswith("bokeh_app"):  # run as a script by `panel serve`
    app().servable(title=TITLE)
