"""The dashboard for keyboard, screen-reader and touch users, in Chromium (issue 19, items 3 and
the drawer of 4).

axe-core (npm ``axe-core``, installed into tests/node_modules by ``make axe``) is injected into
the page and must report no critical or serious violation on either view at phone and desktop
size (with the phone's filter drawer open too). Before: unlabelled "In space now" and "Include
placeholders" checkboxes and ``aria-required-children`` on the records grid (critical), four
unnamed slider handles and ``list`` on the sidebar (serious), no main landmark and no h1. Then
what axe does not check: the view tabs reached with Tab and moved with the arrows, a visible
focus ring, plotly's toolbar only on hover or focus and never on a phone, every touch target at
least 24x24 CSS px (WCAG 2.2, 2.5.8), the drawer's backdrop and Done button, and a date
handle's tooltip gone once a finger lets go.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENS, SHOTS, Console, show_records, wait_for_charts, wait_until

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
VIEWS = {"spacecraft": "", "time": "?view=time"}
CHARTS = {"spacecraft": 6, "time": 4}

#: Every root of the page: the document and each shadow root in it (Bokeh renders each
#: component in one).
_ROOTS = """() => { const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  return roots; }"""

#: Every control a finger or a pointer can operate, shown now, with its size.
_TARGETS = f"""() => {{
  const roots = ({_ROOTS})();
  const SEL = 'a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, ' +
    'summary, [role=button], [role=tab], [role=slider], [role=checkbox], [role=option], ' +
    '[role=combobox], [tabindex]:not([tabindex="-1"])';
  const out = [];
  for (const root of roots) for (const el of root.querySelectorAll(SEL)) {{
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    // WCAG 2.5.8's inline exception: a link in a sentence keeps the sentence's line height
    const inline = el.tagName === 'A' && style.display === 'inline';
    const name = el.getAttribute('aria-label') || el.getAttribute('data-title') ||
      el.textContent.trim().slice(0, 30);
    out.push({{w: box.width, h: box.height, inline,
      what: `${{el.tagName.toLowerCase()}}.${{String(el.className).slice(0, 40)}} ${{name}}`}});
  }}
  return out;
}}"""

#: The focused element, through shadow roots.
_FOCUSED = """() => { let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? {role: a.getAttribute('role'), cls: String(a.className), tag: a.tagName,
    text: a.textContent.trim().slice(0, 40),
    outline: getComputedStyle(a).outlineStyle + ' ' + getComputedStyle(a).outlineWidth} : null; }"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make axe` (npm ci in tests/)")
    return AXE.read_text(encoding="utf-8")


def open_view(chromium, url: str, view: str, size: tuple[int, int], **context_args):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, **context_args)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.console = Console(page)
    page.goto(url + VIEWS[view])
    page.wait_for_selector(".sd-provenance", timeout=60_000)
    wait_for_charts(page, CHARTS[view])
    if view == "spacecraft":
        show_records(page)
    if size[0] > 800:  # the sidebar beside the page: its filters are built at once
        page.wait_for_selector(".sd-filter-flights .noUi-handle[aria-label]", state="attached")
    return page


def axe_violations(page, axe_source: str, settle: float = 5.0) -> list[dict]:
    """axe's critical and serious violations once the page has settled: Bokeh renders a
    widget again when a value arrives and dashboard.js names its parts up to 30 ms later, so
    axe runs again (every 0.2 s, at most ``settle`` s) until it finds nothing or time is up."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source)
    deadline = time.monotonic() + settle
    while (found := _axe_once(page)) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return found


def _axe_once(page) -> list[dict]:
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"][:3]],
            "summary": v["nodes"][0]["failureSummary"][:300],
        }
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


def open_drawer(page) -> None:
    """Open a phone's filters drawer and wait for its filters (built once it is first open)."""
    page.locator("#sidebar-button").click()
    expect(page.locator("#sidebar")).to_have_class(re.compile(r"\bsd-open\b"))
    expect(page.locator(".sd-filter-flights .noUi-handle-upper[aria-label]")).to_be_visible()


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_axe_finds_nothing_critical_or_serious(
    chromium, bundled_dashboard, axe_source, screen, view
):
    page = open_view(chromium, bundled_dashboard.url, view, SCREENS[screen])
    assert axe_violations(page, axe_source) == []
    if screen == "phone":  # the filters too, in their drawer
        open_drawer(page)
        assert axe_violations(page, axe_source) == []
    assert page.console.problems == [] and page.errors == []
    page.context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_one_h1_a_main_landmark_and_every_control_named(chromium, bundled_dashboard, screen):
    page = open_view(chromium, bundled_dashboard.url, "spacecraft", SCREENS[screen])
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spacecraft")
    expect(page.get_by_role("main")).to_have_count(1)
    if screen == "phone":
        open_drawer(page)
    for name in ("In space now", "Include placeholders"):
        expect(page.get_by_role("checkbox", name=name)).to_have_count(1)
    for name in ("Flights, lowest", "Flights, highest"):
        expect(page.get_by_role("slider", name=name)).to_have_count(1)
    if screen == "phone":
        page.get_by_role("button", name="Done: close the filters").click()
    page.locator(".sd-views .bk-tab", has_text="Through time").click()
    dates = page.get_by_role("slider", name=re.compile(r"^Launched \(UTC\), (lowest|highest)$"))
    expect(dates).to_have_count(2)
    expect(dates.first).to_have_attribute("aria-valuetext", re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    page.context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_view_tabs_are_reached_with_tab_and_moved_with_the_arrows(
    chromium, bundled_dashboard, screen
):
    page = open_view(chromium, bundled_dashboard.url, "spacecraft", SCREENS[screen])
    expect(page.get_by_role("tablist", name="Views")).to_have_count(1)
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(2)
    expect(page.get_by_role("tab", name="Spacecraft")).to_have_attribute("aria-selected", "true")
    page.locator("body").focus()
    stops = []
    for _ in range(60):  # on a desktop the filters come first
        page.keyboard.press("Tab")
        stops.append(page.evaluate(_FOCUSED))
        if stops[-1] and stops[-1]["role"] == "tab":
            break
    assert stops[-1]["role"] == "tab" and stops[-1]["text"] == "Spacecraft", [
        (s or {}).get("tag", "") + "." + (s or {}).get("cls", "")[:20] for s in stops
    ]
    assert not any("modebar" in (s or {}).get("cls", "") for s in stops), stops
    assert stops[-1]["outline"].split()[0] != "none", stops[-1]  # the focus ring shows
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"\?view=time$"))
    expect(page.get_by_role("tab", name="Through time")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".sd-chart-per_year_agency .js-plotly-plot")).to_be_visible()
    assert page.evaluate(_FOCUSED)["text"] == "Through time"
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"/spacecraft$"))
    expect(page.locator(".sd-kpis")).to_be_visible()
    page.context.close()


def test_a_picker_shows_its_focus_ring(chromium, bundled_dashboard):
    page = open_view(chromium, bundled_dashboard.url, "spacecraft", SCREENS["desktop"])
    box = page.locator(".sd-filter-agency .sd-picker-box")
    assert box.evaluate("e => getComputedStyle(e).outlineStyle") == "none"
    page.locator(".sd-filter-agency input").focus()
    ring = box.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
    assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 2, ring
    page.context.close()


def test_plotly_toolbar_shows_on_hover_or_focus_and_never_on_a_phone(chromium, bundled_dashboard):
    page = open_view(chromium, bundled_dashboard.url, "spacecraft", SCREENS["desktop"])
    group = page.locator(".sd-chart-top .modebar-group").first
    opacity = lambda: float(group.evaluate("e => getComputedStyle(e).opacity"))  # noqa: E731
    page.mouse.move(1, 1)
    wait_until(lambda: opacity() == 0)
    page.locator(".sd-chart-top .js-plotly-plot").hover()
    wait_until(lambda: opacity() == 1)
    page.mouse.move(1, 1)
    wait_until(lambda: opacity() == 0)
    page.locator(".sd-chart-top .modebar-btn").first.focus()
    wait_until(lambda: opacity() == 1)
    page.context.close()

    for size, touch in (
        (SCREENS["phone"], {"has_touch": True, "is_mobile": True}),
        (SCREENS["phone"], {}),
    ):
        page = open_view(chromium, bundled_dashboard.url, "spacecraft", size, **touch)
        buttons = page.locator(".modebar-btn")
        assert buttons.count() > 0
        assert buttons.evaluate_all("els => els.every(e => !e.getBoundingClientRect().width)")
        page.context.close()


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_touch_target_is_at_least_24_css_px(chromium, bundled_dashboard, screen, view):
    page = open_view(chromium, bundled_dashboard.url, view, SCREENS[screen])
    if screen == "phone":
        open_drawer(page)
    # the components' stylesheets arrive by URL: a control is sized once its sheet has loaded,
    # so the targets are measured again (every 0.2 s, at most 5 s) until none is small
    deadline = time.monotonic() + 5
    while True:
        targets = page.evaluate(_TARGETS)
        small = [t for t in targets if not t["inline"] and (t["w"] < 24 or t["h"] < 24)]
        if not small or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert len(targets) > 10
    assert small == [], small
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"a11y-{view}-{screen}.png"))
    assert page.console.problems == [] and page.errors == []
    page.context.close()


def test_the_phone_drawer_has_a_backdrop_and_a_done_button(chromium, bundled_dashboard):
    page = open_view(chromium, bundled_dashboard.url, "spacecraft", SCREENS["phone"])
    backdrop, done, sidebar = (
        page.locator(".sd-backdrop"),
        page.locator(".sd-drawer-done"),
        page.locator("#sidebar"),
    )
    expect(backdrop).to_be_hidden()
    open_drawer(page)
    expect(backdrop).to_be_visible()
    expect(done).to_be_visible()
    expect(done).to_be_focused()
    box = done.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.screenshot(path=str(SHOTS / "a11y-drawer-phone.png"))
    done.click()
    expect(sidebar).not_to_have_class(re.compile(r"\bsd-open\b"))
    expect(backdrop).to_be_hidden()
    expect(page.locator("#sidebar-button")).to_be_focused()
    expect(page.locator("#sidebar-button")).to_have_attribute("aria-expanded", "false")
    open_drawer(page)
    page.mouse.click(380, 600)  # on the backdrop, right of the drawer
    expect(sidebar).not_to_have_class(re.compile(r"\bsd-open\b"))
    expect(backdrop).to_be_hidden()
    page.context.close()


def test_a_touch_dragged_date_handle_leaves_no_tooltip_over_the_label(chromium, bundled_dashboard):
    page = open_view(
        chromium, bundled_dashboard.url, "time", SCREENS["phone"], has_touch=True, is_mobile=True
    )
    handle = page.locator(".sd-filter-launched .noUi-handle-lower")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    touch = lambda kind, px: cdp.send(  # noqa: E731
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": px, "y": y}]},
    )
    touch("touchStart", x)
    for k in range(1, 6):
        touch("touchMove", x + 12 * k)
    tooltip = page.locator(".sd-filter-launched .noUi-handle-lower .noUi-tooltip")
    expect(tooltip).to_be_visible()  # while the finger drags, the value shows
    touch("touchEnd", x)
    expect(page).to_have_url(re.compile(r"launched=\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}"))
    expect(tooltip).to_be_hidden()
    title = page.locator(".sd-filter-launched .bk-slider-title").bounding_box()
    tip = tooltip.bounding_box()
    assert tip is None or tip["y"] >= title["y"] + title["height"], (tip, title)
    page.context.close()
