"""More than one process, more than one machine (issue 19 item 8): two ``spacedata serve``
processes behind a real nginx running the documented config (dashboards/nginx.conf, through
tests/proxy.py), and ``spacedata serve --num-procs 2``; each serves 10 headless sessions
(tests/loadclient.py, every one a whole page) and a real Chromium page whose charts are drawn
and whose filters answer over the websocket. Faults: a backend killed under nginx, a Host the
backends do not allow, nginx missing (a skip here, a failure in CI) or misconfigured.

nginx is started as a plain foreground process from a fixture and stopped with its process
group, like every server here, even when a test fails. The tests that start servers are in the
``load`` group (not in ``make test-fast``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from tests.browser import Outside, free_port, kpis, open_page, wait_for_charts, wait_until
from tests.loadclient import SpacedataServer, full_page_models, run_load
from tests.proxy import CONFIG, NO_NGINX, NginxProxy, nginx_path, nginx_problem

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 10
#: Closed sessions are dropped within seconds (hidden flags of spacedata serve).
SHORT = ["--check-unused-ms", "1000", "--unused-lifetime-ms", "1000"]


# --- the documented config is the tested one -------------------------------------------------


def test_the_docs_show_the_config_the_tests_run():
    page = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")
    assert f"```nginx\n{CONFIG.read_text(encoding='utf-8')}```\n" in page, (
        "docs/dashboard.md must show dashboards/nginx.conf verbatim in an ```nginx block"
    )
    conf = CONFIG.read_text(encoding="utf-8")
    for needed in (
        "hash $spacedata_backend consistent;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $spacedata_connection;",
        "proxy_set_header Host $http_host;",
    ):
        assert needed in conf


def test_without_nginx_the_tests_skip_in_one_line_but_fail_in_ci(tmp_path):
    nowhere = {"PATH": str(tmp_path)}
    missing = str(tmp_path / "nginx")
    assert nginx_problem(nowhere, debian=missing) == (NO_NGINX, False)
    assert nginx_problem({**nowhere, "CI": "false"}, debian=missing) == (NO_NGINX, False)
    message, fail = nginx_problem({**nowhere, "CI": "true"}, debian=missing)
    assert fail and "make nginx" in message
    message, fail = nginx_problem({"SPACEDATA_NGINX": missing})
    assert fail and message == f"SPACEDATA_NGINX={missing} is not an executable file"


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """Debian's nginx (tests.proxy.nginx_path), or a skip in one line (a failure in CI)."""
    problem = nginx_problem()
    if problem is not None:
        message, fail = problem
        if fail:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return nginx_path()


@pytest.mark.load
def test_a_bad_nginx_setting_fails_the_run_in_one_line(nginx_binary, tmp_path):
    """What a run with SPACEDATA_NGINX pointing nowhere prints: one line, no traceback, and no
    server started (the check comes before the backends)."""
    env = {**os.environ, "SPACEDATA_NGINX": str(tmp_path / "no-nginx")}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q"),
            *("--no-header", "-rfE", f"{__file__}::test_ten_sessions_through_nginx"),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"SPACEDATA_NGINX={tmp_path / 'no-nginx'} is not an executable file" in done.stdout
    assert "Traceback" not in done.stdout and "spacedata serve" not in done.stdout


def test_a_config_that_nginx_refuses_is_one_error(nginx_binary, tmp_path):
    with pytest.raises(RuntimeError, match=r"nginx exited with 1: .*host not found in upstream"):
        NginxProxy(["no-such-host.invalid:5006"], binary=nginx_binary)


# --- two backends behind nginx ---------------------------------------------------------------


@contextlib.contextmanager
def behind_nginx(count: int = 2):
    """``count`` ``spacedata serve`` processes on the bundled sample behind nginx, each
    allowing the proxy's public name; all stopped on exit, whatever happened."""
    port = free_port()
    backends: list[SpacedataServer] = []
    try:
        for _ in range(count):
            backends.append(SpacedataServer(args=[*SHORT, "--allow-origin", f"127.0.0.1:{port}"]))
        with NginxProxy([f"127.0.0.1:{b.port}" for b in backends], port=port) as proxy:
            yield proxy, backends
    finally:
        for backend in backends:
            backend.stop()


@pytest.fixture(scope="module")
def proxied(nginx_binary):
    with behind_nginx() as pair:
        yield pair


@pytest.fixture(scope="module")
def page_models(proxied) -> int:
    """How many models a whole page holds (asked of a backend directly)."""
    _, backends = proxied
    return whole_page_models(backends[0].url)


def whole_page_models(url: str) -> int:
    """:func:`tests.loadclient.full_page_models` in a thread of its own: a Bokeh client runs
    its own event loop, which cannot start in a thread where Playwright's (the session's
    Chromium) is running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(full_page_models, url).result()


def _addr(backend: SpacedataServer) -> str:
    return f"127.0.0.1:{backend.port}"


@pytest.mark.load
def test_ten_sessions_through_nginx(proxied, page_models):
    proxy, backends = proxied
    before = len(proxy.websockets())
    report = run_load(proxy.url, backends[0].proc.pid, SESSIONS, models=page_models)
    assert report.errors == [] and len(report.ready_s) == SESSIONS, report.errors
    # every session was a websocket upgraded through nginx (logged with 101 once closed)
    wait_until(lambda: len(proxy.websockets()) - before >= SESSIONS, timeout=30)
    upstreams = {r["upstream"] for r in proxy.websockets()[before:]}
    assert upstreams <= {_addr(b) for b in backends}, upstreams


@pytest.mark.load
def test_nginx_spreads_new_viewers_and_keeps_each_on_one_backend(proxied):
    proxy, backends = proxied
    start = len(proxy.requests())
    new = [requests.get(f"{proxy.origin}/liveness", timeout=10) for _ in range(40)]
    assert all(r.status_code == 200 for r in new)
    cookies = [r.cookies.get("spacedata_backend") for r in new]
    assert all(cookies) and len(set(cookies)) == 40  # each new viewer its own key
    # a returning viewer's cookie is kept (no new Set-Cookie) and it stays on one backend
    for key in cookies[:5]:
        again = [
            requests.get(f"{proxy.origin}/liveness", cookies={"spacedata_backend": key}, timeout=10)
            for _ in range(5)
        ]
        assert all(r.status_code == 200 and "Set-Cookie" not in r.headers for r in again)
    time.sleep(0.3)
    logged = proxy.requests()[start:]
    assert {r["upstream"] for r in logged[:40]} == {_addr(b) for b in backends}  # both used
    for key in cookies[:5]:
        assert len({r["upstream"] for r in logged if r["key"] == key}) == 1


@pytest.mark.load
@pytest.mark.browser
def test_a_browser_through_nginx_draws_every_chart_on_one_backend(chromium, proxied):
    proxy, backends = proxied
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    outside = Outside(context, proxy.origin)
    try:
        page = open_page(context, proxy.url)  # six charts drawn and the table
        shown = kpis(page)["Spacecraft shown"]
        box = page.locator(".sd-filter-name_search input")
        box.fill("no such craft")  # a round trip over the websocket, through nginx
        box.press("Enter")
        wait_until(lambda: kpis(page)["Spacecraft shown"] == "0")
        assert shown != "0" and page.errors == [] and outside.urls == []
        key = next(c["value"] for c in context.cookies() if c["name"] == "spacedata_backend")
    finally:
        context.close()
    # the websocket was upgraded (101, logged when it closed) and reached the page's backend
    ws = wait_until(lambda: [r for r in proxy.websockets() if r["key"] == key], timeout=30)
    pages = [r for r in proxy.requests() if r["key"] == key and r["path"] == "/spacecraft"]
    assert len(ws) == 1 and len(pages) == 1 and pages[0]["status"] == "200"
    assert ws[0]["upstream"] == pages[0]["upstream"] in {_addr(b) for b in backends}


@pytest.mark.load
def test_a_host_the_backends_do_not_allow_is_refused_through_nginx(proxied):
    proxy, backends = proxied
    r = requests.get(proxy.url, headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 400 and r.text == "400 Bad Request: unknown host\n"
    logs = "".join(b.log_text() for b in backends)
    refused = [ln for ln in logs.splitlines() if "refused a request for Host 'evil.example'" in ln]
    assert len(refused) == 1 and "--allow-origin evil.example" in refused[0]
    assert "Traceback" not in logs


@pytest.mark.load
def test_one_backend_killed_the_other_serves_every_session(nginx_binary):
    with behind_nginx() as (proxy, backends):
        models = whole_page_models(backends[1].url)
        dead, alive = backends
        for proc in [*psutil.Process(dead.proc.pid).children(recursive=True), dead.proc]:
            proc.kill()
        dead.proc.wait(10)
        report = run_load(proxy.url, alive.proc.pid, SESSIONS, models=models)
        assert report.errors == [] and len(report.ready_s) == SESSIONS, report.errors
        wait_until(lambda: len(proxy.websockets()) >= SESSIONS, timeout=30)
        # those hashed to the dead one were retried on the other: "dead, alive" in the log
        assert all(r["upstream"].endswith(_addr(alive)) for r in proxy.websockets())
        assert "Traceback" not in alive.log_text()


@pytest.mark.load
@pytest.mark.browser
def test_a_viewer_whose_backend_dies_gets_the_page_again_by_reloading(chromium, nginx_binary):
    """Its open page loses its websocket (Bokeh logs it in the console; the page says nothing
    and its filters stop answering); a reload, with the same cookie, reaches the other one."""
    with behind_nginx() as (proxy, backends):
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = open_page(context, proxy.url)
            lost = []
            page.on("console", lambda m: lost.append(m.text) if "Lost websocket" in m.text else 0)
            key = next(c["value"] for c in context.cookies() if c["name"] == "spacedata_backend")
            first = next(r for r in proxy.requests() if r["key"] == key)["upstream"]
            dead = next(b for b in backends if _addr(b) == first)
            dead.proc.kill()
            dead.proc.wait(10)
            wait_until(lambda: page.wait_for_timeout(200) or lost, timeout=30)  # pumps events
            page.reload()
            page.wait_for_selector(".sd-kpis", timeout=60_000)
            wait_for_charts(page, 6)
            box = page.locator(".sd-filter-name_search input")
            box.fill("no such craft")
            box.press("Enter")
            wait_until(lambda: kpis(page)["Spacecraft shown"] == "0")
        finally:
            context.close()
        alive = next(b for b in backends if b is not dead)
        # the same viewer's websockets: the first on the dead backend, the reloaded on the other
        mine = lambda: [r["upstream"] for r in proxy.websockets() if r["key"] == key]  # noqa: E731
        wait_until(lambda: len(mine()) >= 2, timeout=30)
        assert mine()[0] == first and mine()[-1].endswith(_addr(alive)), mine()


# --- spacedata serve --num-procs 2 -----------------------------------------------------------


@pytest.fixture(scope="module")
def two_procs():
    with SpacedataServer(args=[*SHORT, "--num-procs", "2"]) as srv:
        yield srv


def _cpu(proc: psutil.Process) -> float:
    return sum(proc.cpu_times()[:2])


@pytest.mark.load
def test_num_procs_two_serves_ten_sessions_from_both_processes(two_procs):
    workers = psutil.Process(two_procs.proc.pid).children()
    assert len(workers) == 2, workers  # the parent only forked: two server processes
    models = whole_page_models(two_procs.url)
    before = {w.pid: _cpu(w) for w in workers}
    report = run_load(two_procs.url, two_procs.proc.pid, SESSIONS, models=models)
    assert report.errors == [] and len(report.ready_s) == SESSIONS, report.errors
    spent = {w.pid: _cpu(w) - before[w.pid] for w in workers}
    # a whole session costs about 0.3 s of CPU, an idle process's timers far less than 0.15 s:
    # both processes built sessions (the split is uneven: Tornado accepts a burst's waiting
    # connections in whichever process wakes first)
    assert all(s > 0.15 for s in spent.values()), spent
    assert "Traceback" not in two_procs.log_text()


@pytest.mark.load
@pytest.mark.browser
def test_num_procs_two_in_a_browser_draws_every_chart(chromium, two_procs):
    """A page's GET and its websocket may reach different processes (the kernel hands each
    connection to either): the second builds the session from the page's token. Three pages
    in a row, each whole."""
    for _ in range(3):
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = open_page(context, two_procs.url)
            box = page.locator(".sd-filter-name_search input")
            box.fill("no such craft")
            box.press("Enter")
            wait_until(lambda p=page: kpis(p)["Spacecraft shown"] == "0")
            assert page.errors == []
        finally:
            context.close()
