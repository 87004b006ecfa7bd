"""Spacecraft dashboard: `panel serve dashboards/spacecraft.py` (or `make dashboard`).

The app lives in the package (spacedata.dashboard.app); this file only makes it servable.
Data source: see spacedata.dashboard.app (bundled sample by default, offline).
"""

from spacedata.dashboard.app import TITLE, app

app().servable(title=TITLE)
