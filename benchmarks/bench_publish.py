"""Publishing and reading a release (issue 21), on a SYNTHETIC full-size snapshot (603
spacecraft and their flights): seconds for a first publish, a republish (a no-op), a first
load from http.server on 127.0.0.1 (download and verify), a second load (latest.json only),
and one refresh check. Run: .venv/bin/python benchmarks/bench_publish.py"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    os.environ["SPACEDATA_CACHE_DIR"] = str(tmp / "cache")
    import spacedata
    from spacedata.publishing import publish
    from spacedata.remote import latest
    from spacedata.synthetic import write_synthetic_snapshot

    def timed(label, fn):
        start = time.perf_counter()
        out = fn()
        print(f"{label}: {time.perf_counter() - start:.2f} s")
        return out

    write_synthetic_snapshot(603, tmp / "snap", seed=1, flights=True)
    spacedata.load_tables(tmp / "snap")  # imports and first-use costs out of the figures
    timed("load_tables(local snapshot)", lambda: spacedata.load_tables(tmp / "snap"))
    done = timed("publish, first", lambda: publish(tmp / "site" / "data", tmp / "snap"))
    timed("publish again (no-op)", lambda: publish(tmp / "site" / "data", tmp / "snap"))
    files = [p for p in (tmp / "site" / "data").rglob("*") if p.is_file()]
    print(f"release: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp / "site"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/data"
    try:
        tables = timed(
            "load_tables(URL), first: download + verify", lambda: spacedata.load_tables(url)
        )
        assert tables.provenance.published_version == done.version
        timed("load_tables(URL), again: latest.json only", lambda: spacedata.load_tables(url))
        timed("latest(URL): one refresh check", lambda: latest(url))
    finally:
        server.shutdown()
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
