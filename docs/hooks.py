"""MkDocs hooks: fill in the generated parts of pages, so that nothing is copied by hand.

Markers a page can hold (each on a line of its own):

* ``<!-- data-dictionary -->``: the data dictionary, rendered by
  :func:`spacedata.dictionary.to_markdown` (one source of truth: the code).
* ``<!-- api-reference -->``: a mkdocstrings block for every public name of ``spacedata``
  (``spacedata._LAZY``, the errors, and ``diffs.format_diff``), grouped by module.

Everything else on a page is the page's own text: a ``<!-- readme: ... -->`` marker (pages once
included README sections) fails the build. In every page, the Sphinx roles of the docstrings (``:func:``) are dropped from the HTML.
"""

from __future__ import annotations

import importlib.util
import logging
import re

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.spacedata")

_README_MARKER = re.compile(r"^<!-- readme\b.*?-->$", re.M)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if "<!-- data-dictionary -->" in markdown:
        from spacedata.dictionary import to_markdown

        markdown = markdown.replace("<!-- data-dictionary -->", to_markdown(heading_level=2))
    if "<!-- api-reference -->" in markdown:
        markdown = markdown.replace("<!-- api-reference -->", api_reference())
    leftover = _README_MARKER.search(markdown)
    if leftover:
        raise PluginError(
            f"docs: {page.file.src_uri} still has {leftover[0]!r}: pages hold their own text"
        )
    return markdown


#: Sphinx roles in the docstrings (``:func:`load_tables```): mkdocstrings renders them as text
#: before the code span; the role is dropped, and ``~a.b.C`` shortened to ``C`` as Sphinx would.
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|exc|data|obj):(<code>)(~(?:[\w]+\.)*)?")


def on_page_content(html: str, page, config, files) -> str:
    return _ROLE.sub(r"\1", html)


def api_reference() -> str:
    """mkdocstrings blocks for the public API, one section per module."""
    import spacedata

    modules: dict[str, list[str]] = {}
    for name, module in spacedata._LAZY.items():
        modules.setdefault(module, []).append(name)
    modules["spacedata.diffs"] = ["diff", "format_diff"]
    out: list[str] = []
    for module, names in modules.items():
        if importlib.util.find_spec(module) is None:
            # Declared in spacedata._LAZY but not written yet; tests/test_docs.py checks that
            # every module that exists is documented.
            log.info("API reference: %s does not exist, left out", module)
            continue
        out += [
            f"## `{module}`",
            "",
            f"::: {module}",
            "    options:",
            "      show_root_heading: false",
            "      members:",
            *(f"        - {n}" for n in names),
            "",
        ]
    out += [
        "## Errors and warnings",
        "",
        "::: spacedata.errors",
        "    options:",
        "      show_root_heading: false",
        "",
    ]
    return "\n".join(out)
