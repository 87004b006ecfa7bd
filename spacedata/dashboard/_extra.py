"""Imported first by :mod:`spacedata.dashboard`: on a core install (no ``dashboard`` extra),
e.g. in JupyterLab, say what to install, still as the ModuleNotFoundError that code catching
a missing optional package expects (it was a bare "No module named 'panel'")."""

from ..cli import DASHBOARD_EXTRA, missing_dashboard_stack

_missing = missing_dashboard_stack()
if _missing:
    raise ModuleNotFoundError(
        f"spacedata.dashboard needs the dashboard extra ({', '.join(_missing)} not installed): "
        + DASHBOARD_EXTRA,
        name=_missing[0],
    )
