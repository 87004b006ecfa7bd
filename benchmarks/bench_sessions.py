"""Cost per viewer: prints figures, asserts nothing. Run: python benchmarks/bench_sessions.py
(``--sessions N``, default 50; ``--spread S``, default 20; ``--serve-args '...'`` to try
``spacedata serve`` options, e.g. ``'--num-procs 2'``; ``--malloc``: with PYTHONMALLOC=malloc).

Two servers on 127.0.0.1, both one process, measured in the same run, turn by turn: the
dashboard (``spacedata serve`` on the bundled snapshot) and the floor any Panel page stands on,
a minimal Panel app (one Select, two plotly panes: ``bench_dashboard.BASELINE_APP``). Against
each, headless Bokeh client sessions (:func:`tests.loadclient.run_load`, the websocket protocol
a browser speaks, without 50 Chromium windows): N opened at once, then N arriving at random
over S seconds (the same arrival times for both). Printed side by side, with the ratio
dashboard / minimal app and issue 19's targets:

* server CPU per session (psutil, user + system, over the burst of N);
* ready p95 of the N random arrivals, and of the N at once. *Ready*: connect -> the document
  pulled, the browser's "document ready" event sent and the onload work Panel runs after it
  received (the client's document holds every model a whole page holds,
  :func:`tests.loadclient.full_page_models`): what a viewer waits for. With N at once it includes queueing on the server;
* server RSS per session with all N open.

A client session reports no part of the page shown: a phone's first screen (two charts; the
filters in their closed drawer, the lower charts and the table are built as a viewer opens or
scrolls to them). One more burst of the dashboard's also reports the sidebar's and the first
lower charts' places shown, as a desktop's screen does (the filters and four charts).

Both run with short unused-session lifetimes (``--check-unused-ms 1000 --unused-lifetime-ms
1000``, hidden flags of ``spacedata serve``; ``panel serve``'s own for the minimal app), so
closed sessions are dropped within seconds between the rounds.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_dashboard import BASELINE_APP  # noqa: E402

from tests.browser import free_port  # noqa: E402
from tests.loadclient import (  # noqa: E402
    DESKTOP,
    LoadReport,
    SpacedataServer,
    full_page_models,
    run_load,
)

SHORT = ["--check-unused-ms", "1000", "--unused-lifetime-ms", "1000"]
#: Issue 19, item 7: dashboard / minimal app at most these (and at most 1 MB per session).
TARGETS = {"cpu": 3.0, "spread": 2.0, "burst": 3.0, "mb": None}


def dashboard(args: list[str], env: dict | None = None) -> SpacedataServer:
    return SpacedataServer(args=[*SHORT, *args], env=env)


def baseline(app: Path) -> SpacedataServer:
    """``panel serve`` of the minimal Panel app with the same lifetimes, one process."""
    port = free_port()
    cmd = [
        *(sys.executable, "-m", "panel", "serve", str(app)),
        *("--port", str(port), "--address", "127.0.0.1"),
        *("--allow-websocket-origin", f"127.0.0.1:{port}", "--liveness"),
        *("--check-unused-sessions", "1000", "--unused-session-lifetime", "1000"),
    ]
    srv = SpacedataServer(cmd=cmd, port=port)
    srv.url = f"http://127.0.0.1:{port}/{app.stem}"
    return srv


def rounds(servers: list[SpacedataServer], sessions: int, spread: float) -> list:
    """The four figures of each server (and the reports they come from), the servers taking
    turns in each round so that a drift of the machine's speed touches both alike."""
    readies = []
    for srv in servers:  # warm-up (imports, the first page), not counted
        ready = {"models": full_page_models(srv.url)}  # what a whole page holds
        run_load(srv.url, srv.proc.pid, 2, settle_s=0.5, close_wait_s=0, **ready)
        readies.append(ready)
    servers = list(zip(servers, readies, strict=True))
    bursts = [
        run_load(srv.url, srv.proc.pid, sessions, settle_s=1.0, close_wait_s=20.0, **ready)
        for srv, ready in servers
    ]
    spreads = [
        run_load(
            *(srv.url, srv.proc.pid, sessions),
            **dict(settle_s=1.0, close_wait_s=20.0, spread_s=spread, **ready),
        )
        for srv, ready in servers
    ]
    return [
        {
            "cpu": burst.cpu_s / max(sessions, 1) * 1000,
            "spread": spread_.p95 * 1000,
            "burst": burst.p95 * 1000,
            "mb": burst.mb_per_session,
            "reports": (burst, spread_),
        }
        for burst, spread_ in zip(bursts, spreads, strict=True)
    ]


def desktop(dash: SpacedataServer, sessions: int) -> LoadReport:
    """The dashboard's sessions as a desktop viewer opens them: the client sessions of
    :func:`rounds` (a phone's first screen: two charts) that also report the places of
    :data:`tests.loadclient.DESKTOP` shown, as Chromium at 1400x1000 does at load (the
    filters and four charts)."""
    ready = {"models": full_page_models(dash.url, reveal=DESKTOP), "reveal": DESKTOP}
    return run_load(dash.url, dash.proc.pid, sessions, settle_s=1.0, close_wait_s=20.0, **ready)


def table(base: dict, dash: dict, sessions: int, spread: float) -> list[str]:
    rows = [
        ("cpu", "server CPU per session", "ms"),
        ("spread", f"ready p95, {sessions} at random over {spread:.0f} s", "ms"),
        ("burst", f"ready p95, {sessions} at once", "ms"),
        ("mb", "server RSS per session", "MB"),
    ]
    out = [f"   {'':40s} {'minimal app':>12s} {'dashboard':>11s} {'ratio':>7s}  target"]
    for key, label, unit in rows:
        b, d = base[key], dash[key]
        fmt = "{:.0f} " if unit == "ms" else "{:.2f} "
        ratio = d / b if b > 0 else float("nan")
        target = TARGETS[key]
        goal = f"<= {target:g}x" if target else "<= 1 MB"
        met = ratio <= target if target else d <= 1.0
        out.append(
            f"   {label:40s} {fmt.format(b) + unit:>12s} {fmt.format(d) + unit:>11s} "
            f"{ratio:6.1f}x  {goal} {'met' if met else 'NOT met'}"
        )
    return out


def details(name: str, reports: tuple[LoadReport, LoadReport]) -> list[str]:
    burst, spread = reports
    errors = [*burst.errors, *spread.errors]
    out = [
        f"   {name}: at once p50 {burst.p50 * 1000:.0f} ms; at random p50 {spread.p50 * 1000:.0f}"
        f" ms; RSS idle {burst.rss_idle_mb:.0f} MB, {burst.rss_open_mb:.0f} MB with all open, "
        f"{spread.rss_closed_mb:.0f} MB after close; {len(errors)} errors"
    ]
    return out + [f"   error: {e}" for e in errors[:3]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--spread", type=float, default=20.0, help="seconds the arrivals spread over")
    ap.add_argument(
        "--serve-args", default="", help="more `spacedata serve` options, e.g. '--num-procs 2'"
    )
    ap.add_argument("--malloc", action="store_true", help="the dashboard with PYTHONMALLOC=malloc")
    args = ap.parse_args()
    extra = shlex.split(args.serve_args)
    env = {"PYTHONMALLOC": "malloc"} if args.malloc else None
    how = " ".join(["spacedata serve", *extra] + (["(PYTHONMALLOC=malloc)"] if env else []))
    print(
        f"== cost per viewer: {args.sessions} headless client sessions (document ready sent, "
        f"onload work included), bundled snapshot; dashboard: {how}; minimal app: panel serve "
        "(1 Select, 2 plotly panes); one process each, same run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "baseline.py"
        app.write_text(BASELINE_APP)
        with baseline(app) as floor, dashboard(extra, env) as dash:
            base, mine = rounds([floor, dash], args.sessions, args.spread)
            desk = desktop(dash, args.sessions)
    for line in table(base, mine, args.sessions, args.spread):
        print(line)
    for line in details("minimal app", base["reports"]) + details("dashboard", mine["reports"]):
        print(line)
    cpu_ms = desk.cpu_s / args.sessions * 1000
    print(
        f"   a desktop's first screen ({args.sessions} at once, the filters' and the first lower"
        f" charts' places reported shown: the filters and four charts): CPU per session "
        f"{cpu_ms:.0f} ms ({cpu_ms / base['cpu']:.1f}x the minimal app), ready p95 "
        f"{desk.p95 * 1000:.0f} ms ({desk.p95 * 1000 / base['burst']:.1f}x), "
        f"{desk.mb_per_session:.2f} MB; {len(desk.errors)} errors"
    )


if __name__ == "__main__":
    main()
