"""LL2 pages captured by hand (the browsable API's text, or a saved JSON page) as snapshots.

The bundled sample is built from such captures by ``tools/bundled_snapshot.py``
(``make bundled-snapshot``), which also records each page's origin.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin

from . import config
from .errors import SnapshotError
from .manifest import PRIMARY
from .snapshot import Snapshot
from .snapshot_writer import write_endpoints

__all__ = ["import_captures", "read_capture"]

_CAPTURE_REQUEST = re.compile(r"^GET (\S+)$", re.M)


def read_capture(path: str | os.PathLike) -> tuple[bytes, str | None]:
    """A captured LL2 page: its JSON body and the URL it was requested from.

    A browsable-API capture (help text, ``GET url``, status lines, JSON body) gives its body
    and URL; a saved JSON page (``{"count": ..., "results": [...]}``) is its own body, byte for
    byte, and its URL is None (not recorded). Raises SnapshotError naming the file for
    anything else."""
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8")
    request = _CAPTURE_REQUEST.search(text)
    if text.lstrip().startswith("{"):
        body, url = raw, None
    else:
        start = text.find("\n{")
        if request is None or start < 0:
            raise SnapshotError(f"{path}: not a capture (no 'GET <url>' line or JSON body).")
        body = (text[start + 1 :].strip() + "\n").encode("utf-8")
        url = urljoin(config.DEVELOPMENT_URL, request.group(1))
    try:
        page = json.loads(body)
        page["count"], page["results"]  # noqa: B018 - what makes it a page
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{path}: the JSON body does not parse as a page ({exc}).") from None
    return body, url


def import_captures(files: Sequence[str | os.PathLike], out: str | os.PathLike) -> Snapshot:
    """Build a flat snapshot of ``/spacecraft/`` from browsable-API captures (help text,
    ``GET url``, status, JSON body): each page's JSON body as captured; never complete. The
    bundled sample is built by ``tools/bundled_snapshot.py`` (``make bundled-snapshot``), which
    also holds the flights capture and each page's origin."""
    bodies, urls, counts = [], [], []
    for f in files:
        body, url = read_capture(f)
        if url is None:
            raise SnapshotError(f"{f}: not a browsable-API capture (no 'GET <url>' line).")
        bodies.append(body)
        urls.append(url)
        counts.append(json.loads(body)["count"])
    records = {r["id"] for b in bodies for r in json.loads(b)["results"]}
    return write_endpoints(
        out,
        {
            PRIMARY: (
                bodies,
                urls,
                {
                    "endpoint": config.DEVELOPMENT_URL + "spacecraft/",
                    "params": None,
                    "fetched_at": None,
                    "count_reported": max(counts),
                    "records_received": len(records),
                    "complete": False,
                    "problems": [
                        f"{len(records)} real records of about {max(counts)}, from "
                        f"{len(bodies)} captured pages fetched on unrecorded dates"
                    ],
                },
            )
        },
        {"source": "captures"},
        layout="flat",
    )
