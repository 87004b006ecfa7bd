"""The dashboard's own widget: :class:`Picker`, for filters that choose among many values."""

from __future__ import annotations

import param
from panel.custom import JSComponent
from panel.widgets.base import WidgetBase

from .._static import PICKER_CSS, PICKER_JS


class Picker(JSComponent, WidgetBase):
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

    _esm = PICKER_JS.read_text(encoding="utf-8")
    _stylesheets = [PICKER_CSS.read_text(encoding="utf-8")]
