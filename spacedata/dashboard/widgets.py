"""The dashboard's own components: :class:`Picker`, for filters that choose among many values;
:class:`UrlHistory`, the page's URL as its history; :class:`WhenShown`, a place on the page that
says when it nears the screen. Each is a :class:`Module`. And :class:`HTML`, the page's text
that changes with the filters."""

from __future__ import annotations

import functools
from pathlib import Path

import panel as pn
import param
from panel.custom import JSComponent
from panel.io.resources import component_resource_path
from panel.widgets.base import WidgetBase
from param.parameterized import no_instance_params

from .._static import MODULES, Assets

#: A focus ring every control shows when reached with the keyboard (Bokeh's widgets draw
#: none on checkboxes, slider handles and tabs); each widget's stylesheets carry it, since
#: the page's own stylesheet does not reach into their shadow roots.
FOCUS_CSS = """
:focus-visible { outline: 3px solid #1d4f91 !important; outline-offset: 2px; }
"""
#: The size of a section heading (h2: the page's h1 is its title).
HEADING_CSS = """
h2 { font-size: 18px; font-weight: 600; margin: 10px 0 6px; }
"""
#: Slider handles a finger can take (24x24 CSS px at least, WCAG 2.2 2.5.8); the value
#: tooltip over a handle only while it is dragged: the title above says the value, and after a
#: touch a phone keeps :hover, which left the tooltip over the label.
SLIDER_CSS = """
:host { --handle-width: 24px; --handle-height: 24px; }
.noUi-handle .noUi-tooltip, .noUi-handle:hover .noUi-tooltip { display: none; }
.noUi-handle.noUi-active .noUi-tooltip { display: block; }
"""
#: A checkbox of 24x24 CSS px, beside its label.
CHECKBOX_CSS = """
input[type="checkbox"] { width: 24px; height: 24px; margin: 0 8px 0 0; flex: none; }
:host { display: flex; align-items: center; min-height: 28px; }
"""


class Module(JSComponent):
    """A component whose ES module is a file of :data:`spacedata._static.MODULES` (set
    ``_esm = _bundle = MODULES[name]``), with its stylesheet ``<name>.css`` beside it if any.

    A served page loads both by URL from the server (:class:`spacedata._static.Assets`),
    fetched once and cached by the browser, instead of in every session's document: the page's
    seven components carried ~45 KB of source and CSS to every viewer. A notebook gets them
    inline, as Panel does for any component.

    Each concrete class is also decorated with param's ``no_instance_params``: Panel looks up
    every parameter of a component as it builds its model, and param copied a Parameter per
    instance each time (~200 copies, ~6 ms and ~60 KB a session). These classes never change
    a parameter's bounds or options on one instance; their values stay per instance."""

    @classmethod
    def _component_resource_path(cls, esm_path, compiled):
        return component_resource_path(Assets, "_bundle_path", esm_path)

    def _get_properties(self, doc):
        props = super()._get_properties(doc)
        if not props.get("css_bundle"):  # not served by URL (a notebook): inline
            inline = [_text(css) for css in self._bundle_css]  # Panel's `<module>.css` beside it
            props["stylesheets"] = [*inline, *props.get("stylesheets", [])]
        return props


@functools.cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@no_instance_params
class Picker(Module, WidgetBase):
    """Choose several values by typing: exact matches first, then prefixes (``SpaceX`` +
    Enter chooses SpaceX, not an agency whose name merely contains "Space"), then word
    prefixes, then any substring. Options and chips are rendered as text, never HTML.

    Replaces Panel's ``MultiChoice`` for the filters: Bokeh builds that one's Choices.js
    without ``allowHTML`` (a console deprecation warning on every page, and option labels
    rendered as HTML) and with fuzzy ranking that can put a partial match first.

    ``options``: plain strings, or dicts ``{"value", "label", "hint"}`` where ``label`` is
    shown (and on the chip), ``hint`` shown beside it and searched too (e.g. an agency's full
    name beside its abbreviation).
    """

    value = param.List(default=[], doc="The chosen option values, in the order chosen.")
    options = param.List(default=[], doc="Strings or {'value', 'label', 'hint'} dicts.")
    placeholder = param.String(default="Type to search", doc="Shown in the empty input.")

    _esm = _bundle = MODULES["picker"]


@no_instance_params
class UrlHistory(Module):
    """The page's URL kept equal to its state, and Back/Forward applied to the page
    (``spacedata/_static/history.js``).

    Panel's ``pn.state.location`` pushes a history entry for every change (every step of a
    dragged slider) and never listens to Back/Forward, so after Back the URL and the page
    disagree. Here the server sets :attr:`entry` (the query of the new state); the browser
    pushes an entry for it, or replaces the current one while a slider is dragged or stepped
    with its arrow keys (one entry per gesture). Back/Forward set :attr:`popped`; the page
    applies that query whole and answers with ``replace=True``.
    """

    entry = param.Dict(
        default={}, doc="{'search': '?a=b' or '', 'replace': bool, 'seq': int}, from the server."
    )
    popped = param.Dict(
        default={},
        doc="{'search': str, 'seq': int}: the URL Back/Forward went to, from the browser.",
    )

    _esm = _bundle = MODULES["history"]


@no_instance_params
class WhenShown(Module):
    """Sets :attr:`shown` once, when its place on the page comes within :attr:`margin_px` of
    the screen (an ``IntersectionObserver``; never while its view is a hidden tab): what
    :func:`spacedata.dashboard.page.when_shown` builds a part of the page on."""

    shown = param.Boolean(default=False, doc="True once the place came near the screen.")
    margin_px = param.Integer(default=300, doc="How near (CSS px below the screen) counts.")

    _esm = _bundle = MODULES["shown"]


class HTML(pn.pane.HTML):
    """Panel's HTML pane, for text that changes with the filters: updated while its view is a
    hidden tab, it links its stylesheets from its session's server.

    Panel builds a pane's stylesheet links with the document of its Bokeh model, and a model
    in a hidden tab of dynamic Tabs has none: updated there (Back or Forward changing the
    filters while the *Through time* view was hidden), its links pointed at cdn.holoviz.org,
    which nothing rewrote. The session's document is used instead."""

    def _get_properties(self, doc):
        return super()._get_properties(doc if doc is not None else pn.state.curdoc)
