"""Many viewers: prints figures, asserts nothing. Run: python benchmarks/bench_sessions.py
(``--sessions N``, default 50; ``--procs 1 2``).

``spacedata serve`` on the bundled snapshot on 127.0.0.1, then N concurrent headless Bokeh client
sessions (:func:`tests.loadclient.run_load`, the websocket protocol a browser speaks, without N
Chromium windows), all opened at once, held, then closed. Printed per server configuration:

* session ready p50/p95: connect -> the whole document pulled (the server built the session);
  measured on the client, so with N sessions at once it includes queueing on the server;
* server CPU per session (psutil, user + system, summed over ``--num-procs`` children);
* server RSS per session with all open, and RSS after every session closed.

The server runs with short unused-session lifetimes (``--check-unused-ms 1000
--unused-lifetime-ms 1000``, hidden flags of ``spacedata serve``) so that closed sessions are
dropped within seconds and the memory-return figure is measured in a bounded wait; the
defaults (17 s / 15 s) only delay the same drop.

A Bokeh Python client never sends the browser's "document ready" event by itself, so
``pn.state.onload`` callbacks would not run for it and what
:func:`spacedata.dashboard.after_load` defers (the filter widgets, the four lower charts, the
table) would never be built. The load client sends that event after pulling the document, as a
drawn page does, so each session costs the full page; ``--no-ready`` measures the
above-the-fold page alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_dashboard import BASELINE_APP  # noqa: E402

from tests.browser import free_port  # noqa: E402
from tests.loadclient import SpacedataServer, run_load  # noqa: E402

SHORT = ["--check-unused-ms", "1000", "--unused-lifetime-ms", "1000"]


def server(procs: int, env: dict | None = None) -> tuple[SpacedataServer, str]:
    """``spacedata serve --num-procs N`` with short lifetimes; if it cannot start N processes,
    ``panel serve dashboards/spacecraft.py --num-procs N`` with the same lifetimes."""
    try:
        srv = SpacedataServer(args=["--num-procs", str(procs), *SHORT], env=env)
        return srv, "spacedata serve"
    except RuntimeError as exc:
        if procs == 1:
            raise
        why = str(exc).strip().splitlines()[-1]
        print(f"   spacedata serve --num-procs {procs} did not start ({why})")
    port = free_port()
    cmd = [
        *(sys.executable, "-m", "panel", "serve", str(ROOT / "dashboards" / "spacecraft.py")),
        *("--port", str(port), "--address", "127.0.0.1"),
        *("--allow-websocket-origin", f"127.0.0.1:{port}", "--liveness"),
        *("--check-unused-sessions", "1000", "--unused-session-lifetime", "1000"),
    ]
    return SpacedataServer(args=["--num-procs", str(procs)], cmd=cmd, port=port), "panel serve"


def baseline(app: Path) -> tuple[SpacedataServer, str]:
    """The floor: ``panel serve`` of a minimal Panel app (one TextInput and one Plotly pane:
    ``bench_dashboard.BASELINE_APP``) with the same lifetimes, one process."""
    port = free_port()
    cmd = [
        *(sys.executable, "-m", "panel", "serve", str(app)),
        *("--port", str(port), "--address", "127.0.0.1"),
        *("--allow-websocket-origin", f"127.0.0.1:{port}", "--liveness"),
        *("--check-unused-sessions", "1000", "--unused-session-lifetime", "1000"),
    ]
    srv = SpacedataServer(cmd=cmd, port=port)
    srv.url = f"http://127.0.0.1:{port}/{app.stem}"
    return srv, "minimal Panel app (1 TextInput, 1 Plotly pane), panel serve"


def one(
    procs: int,
    sessions: int,
    ready: bool,
    env: dict | None = None,
    app: Path | None = None,
) -> None:
    srv, how = baseline(app) if app else server(procs, env)
    if env:
        how = " ".join(f"{k}={v}" for k, v in env.items()) + " " + how
    with srv:
        t = time.perf_counter()
        # warm-up sessions (imports, first page in each process), not counted
        run_load(srv.url, srv.proc.pid, 2 * procs, settle_s=0.5, close_wait_s=0)
        alone = run_load(
            srv.url, srv.proc.pid, 1, settle_s=0.5, close_wait_s=0, document_ready=ready
        )
        seq = [
            run_load(srv.url, srv.proc.pid, 1, settle_s=0.2, close_wait_s=0, document_ready=ready)
            for _ in range(5)
        ]
        report = run_load(
            srv.url, srv.proc.pid, sessions, settle_s=1.0, close_wait_s=30.0, document_ready=ready
        )
        # a second round: memory that came back is reused, memory that a session leaked grows
        again = run_load(
            srv.url, srv.proc.pid, sessions, settle_s=1.0, close_wait_s=30.0, document_ready=ready
        )
        wall = time.perf_counter() - t
        print(f"-- {how} --num-procs {procs} ({wall:.0f} s)")
        one_ms = sorted(r.ready_s[0] * 1000 for r in [alone, *seq] if r.ready_s)
        cpu_ms = sorted(r.cpu_s * 1000 for r in [alone, *seq])
        print(
            f"   one session at a time (x{len(one_ms)}): ready median {one_ms[len(one_ms) // 2]:.0f}"
            f" ms, server CPU median {cpu_ms[len(cpu_ms) // 2]:.0f} ms"
        )
        for line in report.lines():
            print("   " + line)
        print(
            f"   second round of {sessions}: {len(again.errors)} errors, RSS with all open "
            f"{again.rss_open_mb:.0f} MB, after close {again.rss_closed_mb:.0f} MB"
        )
        for err in [*report.errors, *again.errors][:5]:
            print("   error: " + err)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    ap.add_argument(
        "--no-ready",
        action="store_true",
        help="do not send document-ready: only the above-the-fold page is built",
    )
    args = ap.parse_args()
    print(
        f"== {args.sessions} concurrent client sessions, bundled snapshot, short unused-session "
        f"lifetimes ({' '.join(SHORT)})"
    )
    with tempfile.TemporaryDirectory() as tmp:  # the floor any Panel page stands on
        app = Path(tmp) / "baseline.py"
        app.write_text(BASELINE_APP)
        one(1, args.sessions, not args.no_ready, app=app)
    for procs in args.procs:
        one(procs, args.sessions, not args.no_ready)
    # CPython's allocator keeps arenas that hold any live object, so a burst's memory is reused
    # but not returned; with the C allocator, the dashboard's malloc_trim after the last close
    # returns it (at some CPU cost per session: compare with the first run above).
    one(1, args.sessions, not args.no_ready, env={"PYTHONMALLOC": "malloc"})


if __name__ == "__main__":
    main()
