"""``spacedata`` command line: thin over the package.

Exit codes: 0 done (``fetch``: a complete, verified snapshot was written; ``diff``: compared,
whether or not anything changed); 3 ``fetch`` did not complete (nothing was replaced; the
message says what is missing and when or how to run again: a page refused, a redirect off the
API's host, a refused key, the quota, a full disk...); 1 any other error, always as one line;
2 a usage error; 141 the output's reader went away first (``spacedata info | head -1``: no
error line, as for a program stopped by SIGPIPE).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from . import DISTRIBUTION, __version__, config

EXIT_INCOMPLETE = 3
EXIT_SIGPIPE = 141  # 128 + SIGPIPE, what a shell reports for a program the signal stopped
_SHOW_WARNING = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from .errors import FetchError, SnapshotWriteError, SpacedataError

    warnings.simplefilter("default")
    warnings.showwarning = _show_warning
    try:
        return args.run(args) or 0
    except (FetchError, SnapshotWriteError) as exc:
        incomplete = args.run is _fetch
        word = "incomplete" if incomplete else "error"
        print(f"spacedata: {word}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INCOMPLETE if incomplete else 1
    except BrokenPipeError:  # e.g. `spacedata info | head -1`: the reader has what it wanted
        # nothing more can be written there, not even at exit: point stdout at /dev/null
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_SIGPIPE
    except (SpacedataError, ValueError, OSError) as exc:
        print(f"spacedata: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("spacedata: interrupted; nothing was replaced.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(
            f"spacedata: internal error: {type(exc).__name__}: {_one_line(exc)} (please report "
            "it at the project's issue tracker; nothing was replaced)",
            file=sys.stderr,
        )
        return 1


def _one_line(exc: BaseException) -> str:
    return config.redact(" ".join(str(exc).split()))


def _parser() -> argparse.ArgumentParser:
    from .endpoints import DEFAULT_ENDPOINTS, ENDPOINTS

    p = argparse.ArgumentParser(
        prog="spacedata",
        description="Launch Library 2 spacecraft data: fetch, inspect, compare, export, serve.",
    )
    p.add_argument("--version", action="version", version=f"spacedata {__version__}")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    f = sub.add_parser(
        "fetch",
        help="sync LL2's spacecraft and flights into a verified snapshot (spends API quota)",
        description="Read every page of the LL2 endpoints (default: spacecraft and "
        "spacecraft_flights) into one verified snapshot (by default the one that `--source local` "
        "and the dashboard read, with no network). Spends API quota (cache hits are free): a full "
        "sync is about 18 calls, more than the 15 an hour LL2 allows without a key. It first "
        "prints the plan (not with --no-quota-check); without --wait it stops when the quota "
        "runs out, exits 3, replaces "
        "nothing and says when to run again (the pages read stay cached).",
    )
    f.add_argument(
        "--out",
        type=Path,
        help="snapshot directory (default: the user data dir's snapshot/, which "
        "--source local and snapshot read; SPACEDATA_DATA_DIR moves it)",
    )
    _add_http_args(f)
    f.add_argument(
        "--endpoints",
        default=",".join(DEFAULT_ENDPOINTS),
        metavar="NAMES",
        help=f"comma-separated, from {', '.join(ENDPOINTS)} (default: {','.join(DEFAULT_ENDPOINTS)})",
    )
    f.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="[ENDPOINT:]KEY=VALUE",
        help="a documented filter, e.g. in_space=true (to the endpoints that document it) or "
        "spacecraft_flights:spacecraft=42 (repeatable)",
    )
    f.add_argument(
        "--wait",
        action="store_true",
        help="when the hourly quota runs out, wait for it (with a countdown) and finish",
    )
    f.add_argument(
        "--no-quota-check",
        action="store_true",
        help="skip /api-throttle/ and the plan; read until done or a 429",
    )
    f.add_argument("--refresh", action="store_true", help="ignore fresh cache entries")
    f.add_argument(
        "--allow-partial",
        action="store_true",
        help="keep an incomplete result in OUT.partial (never over OUT); still exits 3",
    )
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(run=_fetch)

    d = sub.add_parser(
        "diff",
        help="what changed between two snapshots, endpoint by endpoint",
        description="Compare the tidy tables of two sources and print, per endpoint, the "
        "records added (+), removed (-) and changed (~, with the fields). Exits 0 whether or "
        "not anything changed.",
    )
    d.add_argument("old", help="a snapshot directory or published URL, or bundled, local, snapshot")
    d.add_argument("new", help="a snapshot directory or published URL, or bundled, local, snapshot")
    d.add_argument(
        "--format",
        choices=("text", "csv", "json"),
        default="text",
        help="text (default); csv or json: one row per change "
        "(endpoint, id, change, field, old, new)",
    )
    d.set_defaults(run=_diff)

    i = sub.add_parser(
        "info",
        help="what the data holds, where it came from, the cache (and with --quota, the quota)",
        description="Say what a source holds (spacecraft, flights, records that could not be "
        "used, agencies, totals), where it came from and as of when, and where the HTTP cache "
        "is. Reads --source local by default: your latest fetched snapshot, else the bundled "
        "sample; no network unless --quota or --source live/auto.",
    )
    _add_source_args(i)
    i.add_argument("--quota", action="store_true", help="also read /api-throttle/ (costs no quota)")
    i.set_defaults(run=_info)

    e = sub.add_parser(
        "export",
        help="write the tables as parquet, csv or json, with a provenance sidecar",
        description="Write the wide spacecraft table (or --flights, or every table with "
        "--tables) as parquet, csv or json, with a provenance sidecar beside it "
        "(NAME.provenance.json: source, fetched_at, counts, citation). Reads --source local "
        "by default: your latest fetched snapshot, else the bundled sample; no network.",
    )
    _add_source_args(e)
    e.add_argument(
        "--format",
        choices=("parquet", "csv", "json"),
        default=None,
        help="default: from the --out suffix (.parquet, .csv, .json), else parquet",
    )
    e.add_argument("--out", type=Path, required=True, help="file (wide table) or dir (--tables)")
    e.add_argument(
        "--tables",
        action="store_true",
        help="write every normalised table (flights too) into --out",
    )
    e.add_argument(
        "--flights",
        action="store_true",
        help="write the flights (one row per flight) instead of the spacecraft",
    )
    e.set_defaults(run=_export)

    pb = sub.add_parser(
        "publish",
        help="publish a snapshot as an immutable release a whole team reads (DEST/latest.json)",
        description="Publish the latest fetched snapshot (or --snapshot DIR) to DEST, a "
        "directory or an fsspec URL (s3://bucket/prefix, file://...): DEST/<version>/ holds "
        "its raw pages and manifest, the tables as Parquet and CSV, the data dictionary and the "
        "citation; DEST/latest.json, written last, names it. Readers: load_tables(URL), "
        "spacedata info --source URL, SPACEDATA_SNAPSHOT=URL spacedata serve. Publishing a "
        "version that is there already writes nothing. No LL2 calls.",
    )
    pb.add_argument("dest", help="a directory, or an fsspec URL (s3://, gs://, file://)")
    pb.add_argument("--snapshot", help="the snapshot to publish (default: your latest fetched)")
    pb.add_argument(
        "--allow-partial",
        action="store_true",
        help="publish an incomplete snapshot, marked partial (its version ends in -partial)",
    )
    pb.set_defaults(run=_publish)

    c = sub.add_parser(
        "import-captures",
        help="build a snapshot from pages saved from LL2's browsable API",
        description="Build a snapshot of /spacecraft/ from pages saved from LL2's browsable "
        "API (format=api: help text, the GET line, the status lines, the JSON body), each "
        "page's body as saved. The snapshot is never marked complete. No network.",
    )
    c.add_argument("files", nargs="+", type=Path, help="the saved pages")
    c.add_argument("--out", type=Path, required=True, help="the snapshot directory to write")
    c.set_defaults(run=_import_captures)

    s = sub.add_parser(
        "serve",
        help="serve the dashboard on the best data available now (see serve --help)",
        description="Serve the dashboard at http://ADDRESS:PORT/spacecraft. Its data, at "
        "start: --snapshot (or SPACEDATA_SNAPSHOT); else your latest snapshot from spacedata "
        "fetch; else a fresh sync, if LL2 answers within a few seconds and the quota allows "
        "a whole one; else the bundled sample (20 of about 603 spacecraft records and a "
        "38-flight listing from LL2's development host). The page's banner says which and "
        "why. Unless a snapshot was named it re-syncs every SPACEDATA_REFRESH (default 6h), "
        "keeping the last good data when that fails. SPACEDATA_DASHBOARD_SOURCE=bundled serves "
        "the sample with no network. Needs the dashboard extra: "
        "pip install 'll2-spacedata[dashboard]'.",
    )
    s.add_argument(
        "--snapshot",
        help="serve this snapshot as it is (never replaced by scheduled syncs); or a published "
        "directory's URL, whose latest.json is checked every SPACEDATA_REFRESH (default 10m)",
    )
    s.add_argument("--port", type=int, default=5006, help="default: 5006")
    s.add_argument(
        "--address",
        default="127.0.0.1",
        help="the interface to listen on (default: 127.0.0.1, this machine only)",
    )
    s.add_argument("--show", action="store_true", help="open a browser")
    s.add_argument(
        "--num-procs",
        type=int,
        default=1,
        help="server processes (Panel's multi-process serving; each loads the data once)",
    )
    s.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="a public host name the page is served under, e.g. behind a reverse proxy "
        "(repeatable; requests for any other Host are refused; '*' allows any)",
    )
    s.add_argument(
        "--frame-ancestors",
        default="'self'",
        metavar="SOURCES",
        help="who may show the dashboard in a frame: a CSP frame-ancestors source list "
        "(default 'self': pages of the same origin only; 'none': nobody)",
    )
    s.add_argument("--check-unused-ms", type=int, default=17000, help=argparse.SUPPRESS)
    s.add_argument("--unused-lifetime-ms", type=int, default=15000, help=argparse.SUPPRESS)
    s.set_defaults(run=_serve)
    return p


def _add_http_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base-url", help=f"API root (default SPACEDATA_BASE_URL or {config.PRODUCTION_URL})"
    )
    p.add_argument("--offline", action="store_true", help="answer from the HTTP cache only")


def _add_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        type=_source,
        default="local",
        help="where the records come from (default: local = your latest fetched snapshot, "
        "else the bundled sample; never the network). snapshot: SPACEDATA_SNAPSHOT, else "
        "your latest fetched snapshot, else an error; bundled: "
        "the sample; live: LL2 through the cache; auto: Python's default, live else local "
        "(live and auto may spend API quota); or a published directory's URL (https://..., "
        "s3://...: see spacedata publish)",
    )
    p.add_argument(
        "--snapshot", help="read this snapshot directory, or published URL (over --source)"
    )
    _add_http_args(p)


def _source(value: str) -> str:
    from .remote import is_url

    if value in ("local", "snapshot", "bundled", "live", "auto") or is_url(value):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r}: use local, snapshot, bundled, live, auto or a published URL"
    )


def _publish(args: argparse.Namespace) -> int:
    from .publishing import publish

    done = publish(args.dest, args.snapshot, allow_partial=args.allow_partial)
    what = "complete" if done.complete else "PARTIAL"
    if not done.written:
        print(
            f"{done.dest}: release {done.version} ({what}) is published already; nothing written."
        )
    else:
        print(f"Published release {done.version} ({what}) to {done.dest}: {done.written} files.")
    if not done.latest:
        print(f"{done.dest}/latest.json names a newer version and was left as it is.")
    return 0


def _client(args: argparse.Namespace, **kwargs):
    from .client import LL2Client

    return LL2Client(args.base_url, offline=args.offline or None, **kwargs)


def _load(args: argparse.Namespace):
    from .load import load_tables

    client = _client(args) if args.source in ("auto", "live") else None
    return load_tables(args.source, snapshot=args.snapshot, client=client)


def _fetch(args: argparse.Namespace) -> int:
    from .load import fetch

    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param {item!r}: write KEY=VALUE, e.g. in_space=true")
        params[key] = value
    report = _Reporter(quiet=args.quiet)
    with _client(args, progress=False if args.quiet else None) as client:
        try:
            snap = fetch(
                args.out,
                endpoints=args.endpoints,
                params=params,
                client=client,
                refresh=args.refresh,
                check_quota=not args.no_quota_check and not args.offline,
                allow_partial=args.allow_partial,
                wait=args.wait,
                report=report,
            )
        finally:
            report.close()
    m = snap.manifest
    parts = ", ".join(
        f"{name} {p.records_received:,} of {p.count_reported:,} records ({len(p.pages)} pages)"
        for name, p in m.endpoints.items()
    )
    print(f"Wrote {snap.provenance.location}: {parts}; complete (verified).")
    return 0


class _Reporter:
    """Where ``fetch`` says what it does: the plan on stdout; waiting on stderr, as a countdown
    updated in place on a terminal, and as a line when it starts and ends otherwise."""

    def __init__(self, quiet: bool):
        self.tty = sys.stderr.isatty() and not quiet
        self.open = False

    def __call__(self, kind: str, text: str) -> None:
        if kind == "plan":
            print(text, flush=True)
        elif kind == "wait":
            if self.tty:
                print(f"\rspacedata: waiting: {text}   ", end="", file=sys.stderr, flush=True)
                self.open = True
        else:
            self.close()
            print(f"spacedata: {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.open:
            print(file=sys.stderr, flush=True)
            self.open = False


def _diff(args: argparse.Namespace) -> int:
    from .diffs import diff, format_diff
    from .load import load_tables

    old, new = load_tables(args.old), load_tables(args.new)
    print(format_diff(diff(old, new), args.format, old, new), end="")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .tidy_flights import flown_split

    tables = _load(args)
    prov = tables.provenance
    sc = tables.spacecraft
    wide = tables.wide()
    agencies = wide["agency_abbrev"].value_counts()
    flights = tables.flights
    fprov = tables.provenance_for("spacecraft_flights")
    if fprov is not None and (len(flights) or fprov.count is not None):
        flights_line = f"{len(flights):,} listed ({flown_split(flights)}); {fprov.completeness}"
        if fprov.as_of != prov.as_of:
            flights_line += f"; {fprov.dated}"
    else:
        flights_line = "none in this source. " + (flights.attrs.get("note") or "")
    extra = int((sc["seen_in"] == "spacecraft_flights").sum())
    by_endpoint = tables.rejected["endpoint"].value_counts()
    checks = [n for n in tables.notes if n.startswith(("Checked:", "Mismatch:", "Not checked:"))]
    lines = [
        ("Source", f"{prov.source} ({prov.location})"),
        *([("Release", prov.published_version)] if prov.published_url else []),
        ("As of", prov.as_of + (f" ({prov.staleness})" if prov.stale_since else "")),
        (
            "Spacecraft",
            prov.completeness
            + (f"; {extra:,} more known only from their flights" if extra else ""),
        ),
        ("Flights", flights_line.strip()),
        (
            "Rejected",
            f"{len(tables.rejected)} record(s) could not be used"
            + (
                f" ({', '.join(f'{e} {n}' for e, n in by_endpoint.items())})"
                if len(by_endpoint) > 1
                else ""
            )
            + " (listed by `spacedata export --tables` in its rejected table; Python: "
            "load_tables(...).rejected; the raw pages keep them)"
            if len(tables.rejected)
            else "none",
        ),
        (
            "Agencies",
            f"{len(tables.agencies)}: " + ", ".join(f"{a} {n}" for a, n in agencies.items() if n),
        ),
        ("Configurations", str(len(tables.configurations))),
        ("Flight counts", f"{int(sc['flights_count'].sum())} in total (sum of flights_count)"),
        *(("Consistency", note) for note in checks),
        ("In space now", str(int(sc["in_space"].sum()))),
        ("Time in space", f"{sc['time_in_space_days'].sum() / 365.25:.1f} years in total"),
        ("HTTP cache", _cache_line()),
    ]
    if args.quota:
        with _client(args) as client:
            t = client.throttle()
        lines.append(
            (
                "Quota",
                f"{t.used} of {t.limit} calls used per {t.period_s} s; next frees in {t.next_use_s} s",
            )
        )
    lines.append(("Data", config.CREDIT))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    return 0


def _cache_line() -> str:
    from .transport import CACHE_FILE

    path = config.cache_dir() / CACHE_FILE
    if not path.is_file():
        return f"{path} (not created yet)"
    return f"{path} ({path.stat().st_size / 1e6:.1f} MB)"


def _export(args: argparse.Namespace) -> int:
    """Thin over :func:`spacedata.exports.export` (conventions and sidecar live there)."""
    from .exports import export, format_for

    tables = _load(args)
    if args.tables:
        obj = tables
    elif args.flights:
        obj = tables.flights_wide()
    else:
        obj = tables.wide()
    fmt = args.format or format_for(args.out) or "parquet"
    done = export(obj, args.out, fmt, rejected=None if args.tables else tables.rejected)
    files = ", ".join(map(str, done.files))
    n = done.metadata.get("rejected", {}).get("records", 0)
    left = f" {n:,} record(s) could not be used (counted in the sidecar" + (
        ", listed in the rejected table)." if args.tables else "; --tables lists them)."
    )
    print(f"Wrote {files} and {done.sidecar}. {done.metadata['description']}" + (left if n else ""))
    return 0


def _import_captures(args: argparse.Namespace) -> int:
    from .captures import import_captures

    snap = import_captures(args.files, args.out)
    print(f"Wrote {snap.path}: {snap.manifest.note}")
    return 0


#: What ``spacedata serve`` says, in one line, when the dashboard extra is not installed.
DASHBOARD_EXTRA = f"pip install '{DISTRIBUTION}[dashboard]'"
#: The dashboard extra's packages that ``spacedata serve`` imports (import names).
DASHBOARD_STACK = ("panel", "bokeh", "param", "tornado")


def missing_dashboard_stack() -> list[str]:
    """The packages of :data:`DASHBOARD_STACK` that are not installed (import names)."""
    from importlib.util import find_spec

    return [m for m in DASHBOARD_STACK if find_spec(m) is None]


def _serve(args: argparse.Namespace) -> int:
    """Serve the in-package app (works from an installed wheel, not only from a checkout)."""
    import os

    _need_dashboard()  # before anything else: one line saying what to install
    if args.snapshot:
        from .remote import is_url, latest
        from .snapshot import read_snapshot

        if is_url(args.snapshot):
            latest(args.snapshot)  # it answers now, or one line
            os.environ["SPACEDATA_SNAPSHOT"] = args.snapshot
        else:
            where = read_snapshot(Path(args.snapshot)).location.resolve()
            os.environ["SPACEDATA_SNAPSHOT"] = str(where)
    if args.num_procs < 1:
        raise ValueError(f"--num-procs {args.num_procs}: give 1 or more processes.")
    if args.num_procs > 1 and not hasattr(os, "fork"):  # Bokeh forks the server processes
        raise ValueError(
            f"--num-procs {args.num_procs} needs fork(), which this platform lacks: run one "
            "spacedata serve per port behind a proxy instead (docs: Dashboard, Serving)."
        )
    # The server's own warnings are not ours to reword; bokeh's use of a pandas deprecation
    # (reset_index(inplace=True), once per session) is known noise for operators.
    warnings.showwarning = _SHOW_WARNING
    warnings.filterwarnings("ignore", message="The inplace keyword", module="bokeh")
    try:
        import panel as pn

        from .dashboard.app import TITLE, app
        from .dashboard.server import harden
    except ModuleNotFoundError as exc:
        _need_dashboard(exc)
        raise

    _log_to_stderr()  # what the server skipped or refused, one line each, for the operator
    origins = [f"{args.address}:{args.port}", f"localhost:{args.port}", *args.allow_origin]
    if args.address in ("0.0.0.0", "::"):  # noqa: S104 - every interface: loopback too
        origins.append(f"127.0.0.1:{args.port}")
    print(
        f"Serving the spacecraft dashboard at http://{args.address}:{args.port}/spacecraft"
        + (f" with {args.num_procs} processes" if args.num_procs > 1 else ""),
        flush=True,
    )
    server = pn.serve(
        {"spacecraft": app},
        port=args.port,
        address=args.address,
        websocket_origin=origins,
        show=args.show,
        start=False,  # started below, once hardened (in each process with --num-procs)
        title=TITLE,
        # Load the data and build one page at start, not on the first visit; Panel cannot warm
        # before forking, so with several processes each loads on its first visit.
        warm=args.num_procs == 1,
        liveness=True,  # GET /liveness answers once the server is up
        num_procs=args.num_procs,
        check_unused_sessions_milliseconds=args.check_unused_ms,
        unused_session_lifetime_milliseconds=args.unused_lifetime_ms,
    )
    # security headers, the Host allowlist (the websocket origins), quiet malformed websockets
    harden(server, origins, frame_ancestors=args.frame_ancestors)
    server.start()
    server.io_loop.start()
    return 0


def _need_dashboard(exc: ModuleNotFoundError | None = None) -> None:
    """Raise a one-line SpacedataError saying what to install if the dashboard stack (the
    `dashboard` extra: Panel, Bokeh, param, tornado) is not installed, or ``exc`` says a
    module outside spacedata is missing; a module of ours missing is a bug, not an extra."""
    from .errors import SpacedataError

    if exc is not None:
        missing = [] if (exc.name or "spacedata").partition(".")[0] == "spacedata" else [exc.name]
    else:
        missing = missing_dashboard_stack()
    if missing:
        raise SpacedataError(
            f"serve needs the dashboard extra ({', '.join(missing)} not installed): "
            + DASHBOARD_EXTRA
        ) from None


def _log_to_stderr() -> None:
    """Send spacedata's log (INFO and up) to stderr, one line a record, unless the logger has
    a real handler already (the package adds only a NullHandler)."""
    import logging

    logger = logging.getLogger("spacedata")
    if any(not isinstance(h, logging.NullHandler) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s spacedata %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"spacedata: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
