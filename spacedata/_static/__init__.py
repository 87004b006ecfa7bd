"""Static files of the dashboard, served by the dashboard's own server (never a CDN).

Panel serves a component's files at ``components/<module>/<class>/<attribute>/<file>`` only if
they are listed on that class and sit under the class's module directory, so the list lives
here, next to the files: :class:`Assets`. :class:`spacedata.dashboard.page.Template` puts them
on the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
#: The page's stylesheet (responsive layout: sidebar, KPIs, charts) and script (sidebar toggle).
PAGE_CSS = HERE / "dashboard.css"
PAGE_JS = HERE / "dashboard.js"
#: The ES modules of the dashboard's own components (:mod:`spacedata.dashboard.widgets`), by
#: name, each with its stylesheet ``<name>.css`` beside it where it has one: a served page loads
#: them by URL (cached by the browser), a notebook inline.
MODULES = {name: HERE / f"{name}.js" for name in ("picker", "chips", "history", "shown")}


def _plotly_js() -> Path:
    """plotly.js's official "cartesian" partial bundle (npm plotly.js-cartesian-dist-min, MIT)
    at the version Panel's Plotly pane is built for: 1.3 MB to run instead of the full 4.7 MB
    bundle, about half a second sooner to the first chart. ``make plotly-bundle`` fetches it for
    a new Panel; without it the page falls back to Panel's own full bundle."""
    # Panel (the `dashboard` extra) is asked only here, when the dashboard asks for the file:
    # the core imports this package without it.
    from panel.models.plotly import PLOTLY_VERSION

    return HERE / f"plotly-cartesian-{PLOTLY_VERSION}.min.js"


def _assets() -> type:
    plotly_js = _plotly_js()
    module_css = [css for p in MODULES.values() if (css := p.with_suffix(".css")).is_file()]

    class Assets:
        """What the page loads from ``components/spacedata._static/Assets/<attribute>/<file>``:
        its scripts (``_js``) and stylesheet (``_css``), and the modules of its components
        with their stylesheets (``_bundle_path``, ``_bundle_css``: Panel's names for them)."""

        _js: list[Path] = [p for p in (plotly_js, PAGE_JS) if p.is_file()]
        _css: list[Path] = [PAGE_CSS]
        _bundle_path: list[Path] = list(MODULES.values())
        _bundle_css: list[Path] = module_css

    Assets.__module__, Assets.__qualname__ = __name__, "Assets"
    return Assets


#: Built on first use (they need Panel's plotly.js version): ``PLOTLY_JS``, the bundle's path,
#: and ``Assets``, the class whose files Panel serves.
_LAZY = {"PLOTLY_JS": _plotly_js, "Assets": _assets}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = globals()[name] = _LAZY[name]()  # once: Panel serves the class it was given
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
