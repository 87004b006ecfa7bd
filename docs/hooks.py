"""MkDocs hooks: fill in the generated parts of pages, so that nothing is copied by hand.

Markers a page can hold (each on a line of its own):

* ``<!-- data-dictionary -->``: the data dictionary, rendered by
  :func:`spacedata.dictionary.to_markdown` (one source of truth: the code).
* ``<!-- api-reference -->``: a mkdocstrings block for every public name of ``spacedata``
  (``spacedata._LAZY``, the errors, and ``diffs.format_diff``), grouped by module.
* ``<!-- readme: Heading -->`` (or ``<!-- readme: Heading | level 1 -->``): the body of the README section with that heading (up to the
  next heading of the same or a higher level), shifted so that it nests under the page's
  headings. A heading that is not in the README fails the build.

and in every page, the Sphinx roles of the docstrings (``:func:``) are dropped from the HTML.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

log = logging.getLogger("mkdocs.hooks.spacedata")

_README_MARKER = re.compile(
    r"^<!-- readme: (?P<heading>.+?)(?: \| level (?P<level>\d))? -->$", re.M
)
_HEADING = re.compile(r"^(?P<hashes>#{1,6}) (?P<title>.+?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ITEM = re.compile(r"^(?:[-*+]|\d+\.) ")


def on_page_markdown(markdown: str, page, config, files) -> str:
    if "<!-- data-dictionary -->" in markdown:
        from spacedata.dictionary import to_markdown

        markdown = markdown.replace("<!-- data-dictionary -->", to_markdown(heading_level=2))
    if "<!-- api-reference -->" in markdown:
        markdown = markdown.replace("<!-- api-reference -->", api_reference())
    return _README_MARKER.sub(
        lambda m: readme_section(m["heading"], int(m["level"] or 2)), markdown
    )


#: Sphinx roles in the docstrings (``:func:`load_tables```): mkdocstrings renders them as text
#: before the code span; the role is dropped, and ``~a.b.C`` shortened to ``C`` as Sphinx would.
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|exc|data|obj):(<code>)(~(?:[\w]+\.)*)?")


def on_page_content(html: str, page, config, files) -> str:
    return _ROLE.sub(r"\1", html)


def readme_section(heading: str, level: int = 2) -> str:
    """The body of README's section ``heading``, its sub-headings put at ``level`` + 1 and
    deeper (so a section included under a page's ``##`` nests properly).

    The README indents list continuations by two spaces, as GitHub reads them; Python-Markdown
    wants four. So indentation outside code blocks is doubled, and a code block is moved right
    by as much as its opening fence was (its own indentation kept). A list item that follows
    one of several blocks gets the blank line before it that Python-Markdown needs."""
    found = False
    own = 0
    fence: tuple[str, int] | None = None  # the open fence's marker and shift
    loose = False  # a blank line since the last list item began: a multi-block item
    body: list[str] = []
    for line in README.read_text(encoding="utf-8").splitlines():
        indent = len(line) - len(line.lstrip(" "))
        f = _FENCE.match(line)
        if fence is not None:
            if f and f[1] == fence[0] and not line.strip()[3:]:
                fence, shift = None, fence[1]
            else:
                shift = fence[1]
            if found:
                body.append(" " * shift + line)
            continue
        if f:
            fence = (f[1], indent)
        m = None if f else _HEADING.match(line)
        if not found:
            if m and m["title"] == heading:
                found, own = True, len(m["hashes"])
            continue
        if m and len(m["hashes"]) <= own:
            break
        if m:
            line = "#" * min(len(m["hashes"]) - own + level, 6) + " " + m["title"]
        if _ITEM.match(line):
            if loose and body and body[-1].strip():
                body.append("")  # else it is read as a continuation of the item's last block
            loose = False
        elif not line.strip():
            loose = True
        body.append(" " * indent + line)
    if not found:
        raise PluginError(f"docs: README.md has no heading {heading!r} (named by a readme marker)")
    return "\n".join(body).strip("\n") + "\n"


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
