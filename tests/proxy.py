"""Debian's nginx as a plain process in front of ``spacedata serve`` backends, with the config
the docs show (``dashboards/nginx.conf``), for tests/test_proxy.py and benchmarks/bench_proxy.py.

nginx runs in the foreground (``daemon off``) as a child in its own process group, with its pid
file, logs and temp paths under a temporary prefix, listening on 127.0.0.1 on a free port; it
is never a system service. The binary: SPACEDATA_NGINX, else ``nginx`` on PATH, else
/usr/sbin/nginx (`make nginx` installs Debian's package when it can). Without one the proxy
tests are skipped with one line, except in CI (env ``CI``), where they fail (:func:`nginx_problem`,
like the browser tests' Chromium).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The operator's config, as the docs show it; tests run it with four lines changed.
CONFIG = ROOT / "dashboards" / "nginx.conf"
DEBIAN_NGINX = "/usr/sbin/nginx"

#: The one line a run without nginx prints (pytest's summary of skipped tests).
NO_NGINX = (
    "proxy tests skipped: no nginx found; set SPACEDATA_NGINX=/path/to/nginx or install "
    "Debian's nginx (`make nginx`, needs root or sudo)"
)


def nginx_path(env: Mapping[str, str] = os.environ, debian: str = DEBIAN_NGINX) -> str | None:
    """SPACEDATA_NGINX if set, else ``nginx`` on PATH, else ``debian`` (/usr/sbin is not on
    every user's PATH)."""
    return (
        env.get("SPACEDATA_NGINX")
        or shutil.which("nginx", path=env.get("PATH", os.defpath))
        or (debian if os.path.isfile(debian) and os.access(debian, os.X_OK) else None)
    )


def nginx_problem(
    env: Mapping[str, str] = os.environ, debian: str = DEBIAN_NGINX
) -> tuple[str, bool] | None:
    """Why the proxy tests cannot run, and whether that is a failure rather than a skip; None
    when they can. A SPACEDATA_NGINX that is not an executable file fails (someone asked for
    it), and so does a missing nginx in CI, where `make nginx` can install it."""
    given = env.get("SPACEDATA_NGINX")
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            return f"SPACEDATA_NGINX={given} is not an executable file", True
        return None
    if nginx_path(env, debian) is None:
        if env.get("CI", "").lower() not in ("", "0", "false", "no"):
            return "CI without nginx: run `make nginx` (as root) before the tests", True
        return NO_NGINX, False
    return None


def _replace_once(text: str, old: str, new: str) -> str:
    """``old`` -> ``new``, where ``old`` must occur exactly once: if the documented config
    changes shape, rendering it fails instead of testing something else."""
    found = text.count(old)
    if found != 1:
        raise ValueError(f"{CONFIG.name}: expected {old!r} once, found it {found} times")
    return text.replace(old, new)


_UPSTREAM_SERVERS = "    server 10.0.0.11:5006;\n    server 10.0.0.12:5006;\n"


def render_config(backends: Sequence[str], listen: str, access_log: Path) -> str:
    """dashboards/nginx.conf with its two example backends replaced by ``backends``
    (``host:port`` each), its ``listen`` by ``listen`` and its access log by ``access_log``:
    nothing else changes."""
    text = CONFIG.read_text(encoding="utf-8")
    text = _replace_once(text, _UPSTREAM_SERVERS, "".join(f"    server {b};\n" for b in backends))
    text = _replace_once(text, "    listen 80;\n", f"    listen {listen};\n")
    return _replace_once(
        text,
        "access_log /var/log/nginx/spacedata.access.log spacedata;",
        f"access_log {access_log} spacedata;",
    )


_MAIN = """\
# nginx for one test run: foreground, everything under {prefix}.
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{
    worker_connections 1024;
}}
http {{
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {prefix}/spacedata.conf;
}}
"""

#: One line of the ``spacedata`` log format.
_LOG_LINE = re.compile(
    r'^(?P<remote>\S+) \[[^\]]*\] "(?P<method>\S+) (?P<path>\S+)[^"]*" (?P<status>\d{3}) \d+ '
    r"upstream=(?P<upstream>.+?) backend_key=(?P<key>\S+) request_time=(?P<time>[\d.]+)$"
)


class NginxProxy:
    """nginx on 127.0.0.1:``port`` (free by default) in front of ``backends``, running
    dashboards/nginx.conf (:func:`render_config`); stopped, with its whole process group, on
    exit or :meth:`stop`. ``url`` is the dashboard's address through it."""

    def __init__(self, backends: Sequence[str], port: int | None = None, binary: str | None = None):
        from tests.browser import free_port

        self.port = port or free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.origin}/spacecraft"
        self.prefix = Path(tempfile.mkdtemp(prefix="spacedata-nginx-"))
        (self.prefix / "temp").mkdir()
        self.access_log = self.prefix / "access.log"
        self.error_log = self.prefix / "error.log"
        (self.prefix / "spacedata.conf").write_text(
            render_config(backends, f"127.0.0.1:{self.port}", self.access_log)
        )
        conf = self.prefix / "nginx.conf"
        conf.write_text(_MAIN.format(prefix=self.prefix))
        binary = binary or nginx_path()
        if binary is None:
            raise RuntimeError(NO_NGINX)
        cmd = [binary, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.error_log)]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self.prefix / "stderr.log").open("w"),
            start_new_session=True,  # its own process group: stop() ends master and workers
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                why = self.errors()
                self.stop()
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {why}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not listen within 20 s")

    def errors(self) -> str:
        """nginx's own complaints (stderr and the error log's emerg/alert/crit/error lines)."""
        lines = []
        for path in (self.prefix / "stderr.log", self.error_log):
            if path.exists():
                lines += [
                    ln
                    for ln in path.read_text(errors="replace").splitlines()
                    if re.search(r"\[(emerg|alert|crit|error)\]", ln) or path.name == "stderr.log"
                ]
        return "\n".join(lines)

    def requests(self) -> list[dict[str, str]]:
        """The access log so far, one dict a request (method, path, status, upstream, key...).
        A websocket is logged when it closes, with status 101; ``upstream`` lists every
        backend nginx tried, comma-separated."""
        if not self.access_log.exists():
            return []
        out = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            m = _LOG_LINE.match(line)
            if m:
                out.append(m.groupdict())
        return out

    def websockets(self) -> list[dict[str, str]]:
        """The closed websockets of the dashboard (status 101 on /spacecraft/ws)."""
        return [
            r
            for r in self.requests()
            if r["path"].startswith("/spacecraft/ws") and r["status"] == "101"
        ]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # fast shutdown, workers included
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        else:  # the master is gone; workers it left behind are still in its group
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> NginxProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
