"""Static files of the dashboard, served by the dashboard's own server (never a CDN).

Panel serves a component's files at ``components/<module>/<class>/<attribute>/<file>`` only if
they are listed on that class and sit under the class's module directory, so the list lives
here, next to the files: :class:`Assets`. :class:`spacedata.dashboard.page.Template` puts them
on the page.
"""

from __future__ import annotations

from pathlib import Path

from panel.models.plotly import PLOTLY_VERSION

HERE = Path(__file__).parent

#: plotly.js's official "cartesian" partial bundle (npm plotly.js-cartesian-dist-min, MIT) at the
#: version Panel's Plotly pane is built for: 1.3 MB to run instead of the full 4.7 MB bundle,
#: about half a second sooner to the first chart. ``make plotly-bundle`` fetches it for a new
#: Panel; without it the page falls back to Panel's own full bundle.
PLOTLY_JS = HERE / f"plotly-cartesian-{PLOTLY_VERSION}.min.js"
#: The page's stylesheet (responsive layout: sidebar, KPIs, charts) and script (sidebar toggle).
PAGE_CSS = HERE / "dashboard.css"
PAGE_JS = HERE / "dashboard.js"
#: The filter picker's module and stylesheet (inlined into the component, not served).
PICKER_JS = HERE / "picker.js"
PICKER_CSS = HERE / "picker.css"


class Assets:
    """What the page loads from ``components/spacedata._static/Assets/<_js|_css>/<file>``."""

    _js: list[Path] = [p for p in (PLOTLY_JS, PAGE_JS) if p.is_file()]
    _css: list[Path] = [PAGE_CSS]
