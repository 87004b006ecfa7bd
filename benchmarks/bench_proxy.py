"""One process vs two behind nginx: prints figures, asserts nothing. Run:
python benchmarks/bench_proxy.py (``--sessions N``, default 20; ``--spread S``, default 10;
``--rounds R``, default 2).

Four setups on 127.0.0.1 on the bundled sample, measured in the same run and taking turns in
each round (so a drift of the machine touches all alike):

* ``1 process``: one ``spacedata serve``, sessions straight to it (the reference);
* ``1 behind nginx``: the same behind nginx (dashboards/nginx.conf, tests/proxy.py): nginx's own
  cost;
* ``2 behind nginx``: two ``spacedata serve`` processes behind nginx, as on two machines;
* ``--num-procs 2``: one ``spacedata serve --num-procs 2`` (Panel's forked processes).

Against each, headless Bokeh client sessions (:func:`tests.loadclient.run_load`, whole pages:
document ready sent and the onload work received): N opened at once, then N arriving at random
over S seconds (the same arrivals for all), R rounds of each. Printed side by side: ready p50
and p95 over the R rounds' sessions pooled and their ratio to the one process; server CPU per
session (every serving process, psutil, over the bursts) and each process's share of it (how
evenly the sessions were spread); the load client's own CPU per session; errors. The client runs on the same machine as the servers and
competes with them for its cores: on 2 cores, two server processes cannot get two whole cores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import free_port  # noqa: E402
from tests.loadclient import LoadReport, SpacedataServer, full_page_models, run_load  # noqa: E402
from tests.proxy import NginxProxy, nginx_problem  # noqa: E402

SHORT = ["--check-unused-ms", "1000", "--unused-lifetime-ms", "1000"]


class Setup:
    """A name, the URL sessions open, and the backend server processes behind it."""

    def __init__(self, name: str, url: str, servers: list[SpacedataServer]):
        self.name, self.url, self.servers = name, url, servers

    def workers(self) -> list[list[psutil.Process]]:
        """The processes that serve sessions, each with its own children: each server, or
        the processes a ``--num-procs`` parent forked."""
        out = []
        for srv in self.servers:
            proc = psutil.Process(srv.proc.pid)
            forked = proc.children()
            out += [[w, *w.children(recursive=True)] for w in forked] if forked else [[proc]]
        return out

    def cpu_each(self) -> list[float]:
        return [sum(sum(p.cpu_times()[:2]) for p in tree) for tree in self.workers()]


@dataclass
class Run:
    report: LoadReport
    cpu_each: list[float]  # server CPU seconds of each serving process over the run
    client_s: float  # this (client) process's CPU seconds over the run


def load(setup: Setup, sessions: int, models: int, **kw) -> Run:
    me = psutil.Process()
    before, client = setup.cpu_each(), sum(me.cpu_times()[:2])
    report = run_load(setup.url, setup.servers[0].proc.pid, sessions, models=models, **kw)
    after = setup.cpu_each()
    return Run(
        report,
        [a - b for a, b in zip(after, before, strict=True)],
        sum(me.cpu_times()[:2]) - client,
    )


def pooled(runs: list[Run]) -> Run:
    """The rounds' sessions as one report (ready times and errors pooled), CPU summed."""
    reports = [r.report for r in runs]
    first = reports[0]
    report = LoadReport(
        sessions=sum(r.sessions for r in reports),
        errors=[e for r in reports for e in r.errors],
        ready_s=[t for r in reports for t in r.ready_s],
        cpu_s=sum(r.cpu_s for r in reports),
        rss_idle_mb=first.rss_idle_mb,
        rss_open_mb=first.rss_open_mb,
        rss_closed_mb=first.rss_closed_mb,
    )
    each = [sum(c) for c in zip(*(r.cpu_each for r in runs), strict=True)]
    return Run(report, each, sum(r.client_s for r in runs))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--spread", type=float, default=10.0, help="seconds the arrivals spread over")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of each kind, pooled")
    args = ap.parse_args()
    problem = nginx_problem()
    if problem is not None:
        print(f"bench_proxy: {problem[0]}", file=sys.stderr)
        return 1 if problem[1] else 0
    print(
        f"== 1 process vs 2 behind nginx: {args.sessions} headless client sessions (whole "
        f"pages), at once and at random over {args.spread:.0f} s, {args.rounds} rounds each, "
        "bundled snapshot, "
        f"{os.cpu_count()} cores shared with the client; same run, setups taking turns"
    )
    with contextlib.ExitStack() as stack:
        port1, port2 = free_port(), free_port()
        wanted = [
            [],
            ["--allow-origin", f"127.0.0.1:{port1}"],
            ["--allow-origin", f"127.0.0.1:{port2}"],
            ["--allow-origin", f"127.0.0.1:{port2}"],
            ["--num-procs", "2"],
        ]
        with ThreadPoolExecutor(len(wanted)) as pool:  # five servers start at once
            started = [pool.submit(SpacedataServer, args=[*SHORT, *extra]) for extra in wanted]
        for future in started:  # each one that started is stopped, whatever happens next
            if future.exception() is None:
                stack.enter_context(future.result())
        one, one_p, pair_a, pair_b, forked = (f.result() for f in started)
        nginx1 = stack.enter_context(NginxProxy([f"127.0.0.1:{one_p.port}"], port=port1))
        pair = [pair_a, pair_b]
        nginx2 = stack.enter_context(NginxProxy([f"127.0.0.1:{s.port}" for s in pair], port=port2))
        setups = [
            Setup("1 process", one.url, [one]),
            Setup("1 behind nginx", nginx1.url, [one_p]),
            Setup("2 behind nginx", nginx2.url, pair),
            Setup("--num-procs 2", forked.url, [forked]),
        ]
        models = full_page_models(one.url)  # what a whole page holds
        for setup in setups:  # warm-up (each process's first pages), not counted
            run_load(
                setup.url, setup.servers[0].proc.pid, 4, settle_s=0.5, close_wait_s=0, models=models
            )
        bursts: list[list] = [[] for _ in setups]
        spreads: list[list] = [[] for _ in setups]
        for _ in range(args.rounds):  # turn by turn, so a drift touches every setup alike
            for i, setup in enumerate(setups):
                bursts[i].append(load(setup, args.sessions, models, close_wait_s=10.0))
            for i, setup in enumerate(setups):
                spreads[i].append(
                    load(setup, args.sessions, models, close_wait_s=10.0, spread_s=args.spread)
                )
    rows = [(pooled(b), pooled(s)) for b, s in zip(bursts, spreads, strict=True)]
    ref_burst, ref_spread = rows[0][0].report.p95, rows[0][1].report.p95
    print(
        f"   {'':16s} {'at once p50':>12s} {'p95':>7s} {'ratio':>6s} {'random p50':>11s} "
        f"{'p95':>7s} {'ratio':>6s} {'server CPU':>11s} {'split':>6s} {'client CPU':>11s} "
        f"{'errors':>6s}"
    )
    for setup, (burst, spread) in zip(setups, rows, strict=True):
        b, r = burst.report, spread.report
        n = max(b.sessions, 1)
        cpu = sum(burst.cpu_each)
        split = "/".join(f"{100 * c / cpu:.0f}" for c in burst.cpu_each) if cpu > 0 else "-"
        print(
            f"   {setup.name:16s} {b.p50:11.2f}s {b.p95:6.2f}s {b.p95 / ref_burst:5.2f}x "
            f"{r.p50:10.2f}s {r.p95:6.2f}s {r.p95 / ref_spread:5.2f}x "
            f"{cpu / n * 1000:8.0f} ms {split:>6s} {burst.client_s / n * 1000:8.0f} ms "
            f"{len(b.errors) + len(r.errors):6d}"
        )
        for error in [*b.errors, *r.errors][:2]:
            print(f"      error: {error}")
    print(
        "   (CPU per session over the bursts; split: each serving process's share in %; "
        "client: this process, the load client, for the same sessions)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
