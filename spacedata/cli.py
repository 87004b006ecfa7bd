"""``spacedata`` command line: thin over the package.

Exit codes: 0 done (``fetch``: a complete, verified snapshot was written); 3 ``fetch`` did not
complete (nothing was replaced; the message says what is missing and what to run next);
1 any other error, always as one line; 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from . import __version__, config

EXIT_INCOMPLETE = 3


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from .errors import FetchError, SpacedataError

    warnings.simplefilter("default")
    warnings.showwarning = _show_warning
    try:
        return args.run(args) or 0
    except FetchError as exc:
        incomplete = args.run is _fetch
        word = "incomplete" if incomplete else "error"
        print(f"spacedata: {word}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INCOMPLETE if incomplete else 1
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
    p = argparse.ArgumentParser(
        prog="spacedata",
        description="Launch Library 2 spacecraft data: fetch, inspect, export, serve.",
    )
    p.add_argument("--version", action="version", version=f"spacedata {__version__}")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    f = sub.add_parser("fetch", help="read every /spacecraft/ page from LL2 into a snapshot")
    f.add_argument("--out", type=Path, help="snapshot directory (default: the user data dir)")
    _add_http_args(f)
    f.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a documented /spacecraft/ filter, e.g. in_space=true (repeatable)",
    )
    f.add_argument(
        "--no-quota-check", action="store_true", help="skip the /api-throttle/ pre-check"
    )
    f.add_argument("--refresh", action="store_true", help="ignore fresh cache entries")
    f.add_argument(
        "--allow-partial",
        action="store_true",
        help="keep an incomplete result in OUT.partial (never over OUT); still exits 3",
    )
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(run=_fetch)

    i = sub.add_parser("info", help="what the data holds, where it came from, cache and quota")
    _add_source_args(i)
    i.add_argument("--quota", action="store_true", help="also read /api-throttle/ (costs no quota)")
    i.set_defaults(run=_info)

    e = sub.add_parser("export", help="write the tables as parquet or csv")
    _add_source_args(e)
    e.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    e.add_argument("--out", type=Path, required=True, help="file (wide table) or dir (--tables)")
    e.add_argument("--tables", action="store_true", help="write every normalised table into --out")
    e.set_defaults(run=_export)

    c = sub.add_parser("import-captures", help="build a snapshot from browsable-API captures")
    c.add_argument("files", nargs="+", type=Path)
    c.add_argument("--out", type=Path, required=True)
    c.set_defaults(run=_import_captures)

    s = sub.add_parser("serve", help="serve the dashboard (default: the bundled snapshot, offline)")
    s.add_argument("--snapshot", type=Path, help="serve this snapshot instead")
    s.add_argument("--port", type=int, default=5006)
    s.add_argument("--address", default="127.0.0.1")
    s.add_argument("--show", action="store_true", help="open a browser")
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
        choices=("local", "snapshot", "bundled", "live", "auto"),
        default="local",
        help="where the records come from (default: local = your latest fetched snapshot, "
        "else the bundled 20-record sample; never the network)",
    )
    p.add_argument("--snapshot", type=Path, help="read this snapshot directory")
    _add_http_args(p)


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
    with _client(args, progress=False if args.quiet else None) as client:
        snap = fetch(
            args.out,
            params=params,
            client=client,
            refresh=args.refresh,
            check_quota=not args.no_quota_check and not args.offline,
            allow_partial=args.allow_partial,
        )
    m = snap.manifest
    print(
        f"Wrote {snap.provenance.location}: {m.records_received} of {m.count_reported} records, "
        f"complete (verified), {len(m.pages)} pages."
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    tables = _load(args)
    prov = tables.provenance
    sc = tables.spacecraft
    wide = tables.wide()
    agencies = wide["agency_abbrev"].value_counts()
    lines = [
        ("Source", f"{prov.source} ({prov.location})"),
        ("As of", prov.as_of + (f" ({prov.staleness})" if prov.stale_since else "")),
        ("Records", prov.completeness),
        (
            "Rejected",
            f"{len(tables.rejected)} record(s) could not be used (Python: "
            "load_tables(...).rejected; the raw pages keep them)"
            if len(tables.rejected)
            else "none",
        ),
        (
            "Agencies",
            f"{len(tables.agencies)}: " + ", ".join(f"{a} {n}" for a, n in agencies.items() if n),
        ),
        ("Configurations", str(len(tables.configurations))),
        ("Flights", f"{int(sc['flights_count'].sum())} in total"),
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
    from .client import CACHE_FILE

    path = config.cache_dir() / CACHE_FILE
    if not path.is_file():
        return f"{path} (not created yet)"
    return f"{path} ({path.stat().st_size / 1e6:.1f} MB)"


def _export(args: argparse.Namespace) -> int:
    tables = _load(args)
    frames = tables.frames() if args.tables else {"spacecraft": tables.wide()}
    if args.tables:
        args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        path = args.out / f"{name}.{args.format}" if args.tables else args.out
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.format == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        written.append(path)
    sidecar = (
        (args.out / "provenance.json")
        if args.tables
        else args.out.with_name(args.out.name + ".provenance.json")
    )
    sidecar.write_text(json.dumps(tables.provenance.as_attrs(), indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {', '.join(map(str, written))} and {sidecar}. {tables.provenance.describe()}")
    return 0


def _import_captures(args: argparse.Namespace) -> int:
    from .snapshot import import_captures

    snap = import_captures(args.files, args.out)
    print(f"Wrote {snap.path}: {snap.manifest.note}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import os

    app = Path(__file__).resolve().parent.parent / "dashboards" / "spacecraft.py"
    if not app.is_file():
        raise OSError(
            f"The dashboard app {app} is not here: `spacedata serve` runs from a source checkout."
        )
    env = dict(os.environ)
    if args.snapshot:
        from .snapshot import read_snapshot

        env["SPACEDATA_SNAPSHOT"] = str(read_snapshot(args.snapshot).location.resolve())
    cmd = [
        sys.executable,
        "-m",
        "panel",
        "serve",
        str(app),
        "--port",
        str(args.port),
        "--address",
        args.address,
        "--allow-websocket-origin",
        f"{args.address}:{args.port}",
        "--allow-websocket-origin",
        f"localhost:{args.port}",
        "--warm",  # load the data and build one page at start, not on the first visit
        "--liveness",  # GET /liveness answers once the server is up
    ]
    if args.show:
        cmd.append("--show")
    print(
        f"Serving the spacecraft dashboard at http://{args.address}:{args.port}/spacecraft",
        flush=True,
    )
    # Become the server: one process to stop and to measure.
    os.execve(sys.executable, cmd, env)  # noqa: S606 - fixed argv, no shell


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"spacedata: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
