"""The README's screenshot: the dashboard on the bundled sample at desktop size (1400x1000),
saved as docs/images/dashboard.png.

Serve the sample first (``SPACEDATA_DASHBOARD_SOURCE=bundled spacedata serve --port 5006``),
then ``python tools/docs_screenshot.py [URL]``. Uses the browser tests' Chromium
(tests/browser.py: SPACEDATA_CHROMIUM, else chromium on PATH).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import SCREENS, launch_chromium, open_page  # noqa: E402

OUT = ROOT / "docs" / "images" / "dashboard.png"


def main(url: str = "http://127.0.0.1:5006/spacecraft") -> None:
    width, height = SCREENS["desktop"]
    with launch_chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = open_page(context, url)
        page.wait_for_timeout(1500)  # the charts' transitions
        page.screenshot(path=str(OUT))
        context.close()
    print(f"Wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main(*sys.argv[1:])
