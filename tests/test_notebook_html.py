"""Notebooks travel: executed, then converted with `jupyter nbconvert --to html`, their charts draw
in Chromium from the file alone, with every request that is not file:// aborted. plotly.js is
embedded in the notebook (the setup cells call ``spacedata.plots.use_notebook_renderer()``),
never fetched from a CDN; the same outputs carry plotly's mimetype, which JupyterLab draws."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import nbformat
import pytest
import requests

from tests.browser import Outside, free_port, wait_until
from tests.conftest import ROOT
from tests.test_notebooks import CHART_NOTEBOOKS, PLOTLY_MIME, run

pytestmark = [pytest.mark.notebook, pytest.mark.browser]
#: What nbconvert's HTML template (require.js, MathJax 2) and plotly's HTML (MathJax 3, for LaTeX
#: in titles) still ask the network for. None of it draws a chart; offline it fails harmlessly.
OPTIONAL = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/(require\.js|mathjax)/")


def figures(nb) -> list[dict]:
    return [o for c in nb.cells for o in c.get("outputs", []) if PLOTLY_MIME in o.get("data", {})]


def test_jupyterlab_draws_the_charts(chromium, tmp_path, monkeypatch):
    """An executed notebook opened in a real JupyterLab (served on 127.0.0.1, nothing else
    reachable) draws its charts. The notebook is not trusted there, so its HTML outputs' scripts
    do not run: what draws is plotly's mimetype, through the extension plotly installs."""
    path = ROOT / "notebooks" / "02_flights_and_time_in_space.ipynb"
    root = tmp_path / "lab"
    root.mkdir()
    nbformat.write(run(path, monkeypatch), root / path.name)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),  # settings, workspaces: not the user's
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(
        [
            *(sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root"),
            *(f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root}"),
            *("--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.news_url=None"),
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: _answers(f"{origin}/api"), timeout=60)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        elsewhere = Outside(context, origin)
        page = context.new_page()
        page.goto(f"{origin}/lab/tree/{path.name}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        wait_until(lambda: page.locator(".js-plotly-plot .main-svg").count() > 0, timeout=60)
        context.close()
        assert elsewhere.urls == []
    finally:
        lab.terminate()
        try:
            lab.wait(20)
        except subprocess.TimeoutExpired:
            lab.kill()
        log.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.ConnectionError:
        return False


@pytest.mark.parametrize("path", CHART_NOTEBOOKS, ids=lambda p: p.stem)
def test_charts_survive_nbconvert_html_offline(path, chromium, tmp_path, monkeypatch):
    nb = run(path, monkeypatch)
    charts = figures(nb)
    assert charts, "the notebook draws charts"
    assert all("text/html" in o["data"] for o in charts)  # for nbconvert, beside the mimetype
    embedded = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if "plotly.js v" in o.get("data", {}).get("text/html", "")
    ]
    assert len(embedded) == 1  # plotly.js, once per notebook

    executed = tmp_path / path.name
    nbformat.write(nb, executed)
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(executed)],
        check=True,
        capture_output=True,
    )
    html = executed.with_suffix(".html")

    context = chromium.new_context()
    blocked: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def offline(route) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", offline)
    page = context.new_page()
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(html.as_uri())
        drawn = """() => [...document.querySelectorAll('.plotly-graph-div')].map(
            d => d.classList.contains('js-plotly-plot') && d.querySelectorAll('.main-svg').length)"""
        per_chart = wait_until(
            lambda: (d := page.evaluate(drawn)) and len(d) == len(charts) and all(d) and d,
            timeout=60,
        )
        assert len(per_chart) == len(charts)
        assert page.locator(".js-plotly-plot .main-svg").count() >= len(charts)
        assert page.evaluate("typeof window.Plotly") == "object"
    finally:
        context.close()
    assert errors == []
    assert [u for u in failed if u.startswith("file:")] == []  # nothing local missing
    assert not [u for u in blocked if "plot.ly" in u or "plotly" in u]  # plotly.js from the file
    assert [u for u in blocked if not OPTIONAL.match(u)] == []
    assert set(failed) <= set(blocked)
