"""The documentation site (mkdocs.yml, docs/) builds with warnings as errors and without the
network, holds the generated data dictionary and API reference; the loaders' help() shows
every parameter and says that "auto" may spend API quota."""

from __future__ import annotations

import importlib.util
import inspect
import pydoc
import re
import shutil
from pathlib import Path

import pytest

import spacedata
from spacedata import dictionary, load

ROOT = Path(__file__).resolve().parent.parent


def build_site(site: Path, docs: Path | None = None) -> None:
    """``mkdocs build --strict`` (what the command does: load the config with strict on, run
    the startup hooks, build), in this process, where pytest-socket refuses any host but
    loopback: a build that needed the network would fail here."""
    mkdocs_config = pytest.importorskip("mkdocs.config")
    from mkdocs.commands.build import build

    options = {"config_file": str(ROOT / "mkdocs.yml"), "strict": True, "site_dir": str(site)}
    if docs is not None:
        options["docs_dir"] = str(docs)
    config = mkdocs_config.load_config(**options)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("NO_MKDOCS_2_WARNING", "1")  # Material's banner about MkDocs 2.0
    try:
        out = tmp_path_factory.mktemp("site")
        build_site(out)
    finally:
        mp.undo()
    return out


def page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_the_site_has_every_page(site):
    for name in (
        "install",
        "loading",
        "fetching",
        "cli",
        "snapshots",
        "dashboard",
        "notebooks",
        "data-dictionary",
        "citation",
        "api",
        "development",
    ):
        assert (site / name / "index.html").is_file(), name
    assert "Launch Library 2 by The Space Devs" in (site / "index.html").read_text()


def test_the_data_dictionary_page_is_generated_from_the_code(site):
    html = page(site, "data-dictionary")
    assert "<code>time_docked</code>" in html
    assert "Total time the spacecraft has spent docked to space stations." in html
    for e in dictionary.COLUMNS:
        assert f"<code>{e.column}</code>" in html, f"{e.table}.{e.column}"
    for table in dictionary.CONTRACTS:
        assert f'id="{table}"' in html, table
    # No hand copy: the page's source is a marker and prose, not the table.
    source = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert "<!-- data-dictionary -->" in source and "time_docked" not in source


def test_the_api_reference_comes_from_the_docstrings(site):
    html = page(site, "api")
    for name in ("load_tables", "load_spacecraft", "load_flights", "fetch"):
        assert f'id="spacedata.load.{name}"' in html, name
    assert "may spend API quota" in html
    documented = {m for m in set(spacedata._LAZY.values()) if importlib.util.find_spec(m)}
    assert {"spacedata.load", "spacedata.dictionary"} <= documented
    for name, module in spacedata._LAZY.items():
        if module in documented:
            assert f'id="{module}.{name}"' in html, f"{module}.{name}"
    assert 'id="spacedata.errors.QuotaExhaustedError"' in html
    assert 'id="spacedata.diffs.diff"' in html
    # Sphinx roles are not left in the text.
    assert not re.search(r":(func|class|meth|mod|exc):<code>", html)


def test_the_pages_hold_their_own_text(site):
    """The pages once included README sections through ``<!-- readme: ... -->`` markers, which
    a code host shows as empty pages; now each page holds its text."""
    for md in (ROOT / "docs").glob("*.md"):
        assert "<!-- readme" not in md.read_text(encoding="utf-8"), md.name
    fetching = page(site, "fetching")
    assert "15 calls per hour" in fetching
    assert "15 calls per hour" in (ROOT / "docs" / "fetching.md").read_text()
    # Each bullet stays an item of its own (a bullet follows one that holds a code block).
    for bullet in ("Every request goes through", "Transient faults", "<code>SPACEDATA_BASE_URL"):
        assert re.search(rf"<li>\s*(?:<p>)?{bullet}", fetching), bullet
    plan = r"<li>\s*(?:<p>)?Without a key LL2(?:(?!</li>).)*<pre"  # the plan, in its item
    assert re.search(plan, fetching, re.S)
    assert "What a sync guarantees" in page(site, "snapshots")
    dashboard = page(site, "dashboard")
    assert "Nothing leaves the server" in dashboard and 'src="../images/dashboard.png"' in dashboard
    assert "Exit codes" in page(site, "cli")
    assert "spacedata/   client.py" in page(site, "development")


def test_the_site_loads_nothing_from_other_hosts(site):
    external = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//")
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 10
    for html in pages:
        assert not external.search(html.read_text(encoding="utf-8")), html
    assert not any("fonts.googleapis" in p.read_text() for p in pages)


def test_a_warning_fails_the_build(tmp_path, monkeypatch):
    Abort = pytest.importorskip("mkdocs.exceptions").Abort

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("__pycache__"))
    (docs / "install.md").write_text("# Install\n\nSee [the missing page](missing.md).\n")
    with pytest.raises(Abort, match="warning"):  # "Aborted with 1 warnings in strict mode!"
        build_site(tmp_path / "site", docs)


def test_a_readme_marker_left_in_a_page_fails_the_build(tmp_path, monkeypatch, caplog):
    Abort = pytest.importorskip("mkdocs.exceptions").Abort

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("__pycache__"))
    (docs / "snapshots.md").write_text("# Snapshots\n\n<!-- readme: Snapshots | level 1 -->\n")
    with pytest.raises(Abort):  # a BuildError
        build_site(tmp_path / "site", docs)
    assert "snapshots.md still has '<!-- readme: Snapshots | level 1 -->'" in caplog.text


# --- help() on the loaders ---------------------------------------------------------------


LOADERS = (load.load_tables, load.load_spacecraft, load.load_flights, load.fetch)


def documented_args(func) -> list[str]:
    """The parameter names of the docstring's ``Args:`` section."""
    doc = inspect.getdoc(func)
    section = doc.split("Args:\n", 1)[1]
    section = re.split(r"\n\S", section, maxsplit=1)[0]  # up to the next section
    return re.findall(r"^    (\w+):", section, flags=re.M)


@pytest.mark.parametrize("func", LOADERS, ids=lambda f: f.__name__)
def test_help_shows_every_parameter(func):
    params = inspect.signature(func).parameters
    kinds = {p.kind for p in params.values()}
    assert (
        inspect.Parameter.VAR_KEYWORD not in kinds and inspect.Parameter.VAR_POSITIONAL not in kinds
    )
    text = pydoc.render_doc(func, renderer=pydoc.plaintext)
    for name in params:
        assert re.search(rf"\b{name}\b", text), name
    assert documented_args(func) == list(params)


@pytest.mark.parametrize("func", LOADERS[:3], ids=lambda f: f.__name__)
def test_help_says_auto_may_spend_quota(func):
    assert inspect.signature(func).parameters["source"].default == "auto"
    doc = " ".join(inspect.getdoc(func).replace("*", "").split())
    assert '"auto"' in doc and "may spend API quota" in doc


def test_help_on_fetch_says_it_spends_quota():
    doc = " ".join(inspect.getdoc(load.fetch).replace("*", "").split())
    assert "spends API quota" in doc


# --- README.md: what a newcomer needs, in a page or two -----------------------------------

README = ROOT / "README.md"


def test_the_readme_is_short():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 120


def test_the_readme_has_install_the_two_commands_python_and_the_cli():
    readme = README.read_text(encoding="utf-8")
    for text in (
        "pip install ll2-spacedata",
        "pip install 'll2-spacedata[dashboard]'",
        "make dashboard",
        "make test",
        'spacedata.load_spacecraft("local")',
        "spacedata fetch --wait",
        "spacedata serve",
        "spacedata.cite(df)",
        "Launch Library 2",
        "The Space Devs",
    ):
        assert text in readme, text
    # how long the first commands take, from a fresh clone
    assert re.search(r"`make\s+dashboard` answered after about \d+(?:-\d+)? s", readme)
    assert re.search(r"`make test` took about \d+ min", readme)
    # the bundled sample, described as what it is wherever it is shown
    words = " ".join(readme.split())
    assert "20 of about 603 spacecraft records" in words and "38 spacecraft flights" in words
    assert "development host" in words


def test_every_readme_link_resolves(site):
    """Every relative link of the README names a file of the checkout, and an anchor into a
    docs page names a heading of that page as built (GitHub and MkDocs slug them alike)."""
    readme = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    local = [link for link in links if not link.startswith(("http://", "https://"))]
    assert "docs/index.md" in local and "docs/images/dashboard.png" in local
    for link in local:
        path, _, anchor = link.partition("#")
        assert (ROOT / path).is_file(), link
        if anchor:
            assert path.startswith("docs/") and path.endswith(".md"), link
            built = page(site, Path(path).stem) if Path(path).stem != "index" else None
            built = built or (site / "index.html").read_text(encoding="utf-8")
            assert f'id="{anchor}"' in built, link
    assert len(local) >= 10
