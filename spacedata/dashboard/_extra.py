"""Imported first by :mod:`spacedata.dashboard`: on a core install (no ``dashboard`` extra),
e.g. in JupyterLab, say what to install, still as the ModuleNotFoundError that code catching
a missing optional package expects (it was a bare "No module named 'panel'")."""

from importlib.util import find_spec

from ..cli import DASHBOARD_EXTRA, DASHBOARD_STACK

for _name in DASHBOARD_STACK:
    if find_spec(_name) is None:
        raise ModuleNotFoundError(
            f"spacedata.dashboard needs the dashboard extra ({_name} not installed): "
            + DASHBOARD_EXTRA,
            name=_name,
        )
