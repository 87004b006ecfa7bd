"""Spacecraft dashboard: `panel serve dashboards/spacecraft.py` (or `make dashboard`).

Data: the bundled 20-record sample by default (offline); SPACEDATA_SNAPSHOT=DIR serves a snapshot
from `spacedata fetch`; SPACEDATA_DASHBOARD_SOURCE=live reads LL2 through the cache and refreshes
every SPACEDATA_REFRESH (default 6h; "off" to disable). Loaded once per process, shared by sessions.
"""

import panel as pn

from spacedata.dashboard import build_app, load_extensions, loader_from_env, shared_data

load_extensions(sizing_mode="stretch_width")  # pn.extension, with a smaller plotly.js

loader, refresh_period = loader_from_env()
shared = shared_data(loader, refresh_period)
build_app(shared, pn.state.session_args).servable(title="Spacecraft — Launch Library 2")
