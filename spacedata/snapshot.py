"""Snapshots: the raw LL2 pages of one sync plus ``manifest.json``, written atomically.

Layout of a snapshot directory::

    manifest.json        source, parameters, fetched_at, count, completeness, page checksums
    pages/0001.json      each page's body exactly as LL2 sent it

A snapshot is written to a temporary directory beside its destination and renamed into place,
so a failed or interrupted fetch never touches the previous snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin

from . import __version__, _pages, config
from .client import FetchResult
from .errors import SnapshotError
from .provenance import Provenance

MANIFEST = "manifest.json"
FORMAT = 1
#: manifest ``source`` -> provenance source (a fetched snapshot's source is live or cache).
_SOURCES = {"captures": "bundled", "synthetic": "synthetic"}


@dataclass(frozen=True)
class Snapshot:
    """A snapshot directory and its manifest."""

    path: Path
    manifest: dict

    def pages(self) -> list[dict]:
        """Every page, parsed, after checking each file against its sha256 in the manifest."""
        bodies = []
        for entry in self.manifest["pages"]:
            file = self.path / entry["file"]
            try:
                raw = file.read_bytes()
            except OSError as exc:
                raise SnapshotError(
                    f"Snapshot {self.path}: page {entry['file']} is missing ({exc})."
                ) from None
            if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
                raise SnapshotError(
                    f"Snapshot {self.path}: {entry['file']} does not match its sha256 in "
                    f"{MANIFEST}; the file was changed or damaged. Fetch a new snapshot."
                )
            bodies.append(raw)
        return _pages.parse_all(bodies)

    def records(self) -> list[dict]:
        """All records of all pages, de-duplicated by id (a later page wins), in page order."""
        return _pages.unique_records(self.pages())

    @property
    def provenance(self) -> Provenance:
        m = self.manifest
        at = m.get("fetched_at")
        return Provenance(
            source=_SOURCES.get(m.get("source"), "snapshot"),
            fetched_at=datetime.fromisoformat(at) if at else None,
            count=m.get("count_reported"),
            records=m["records_received"],
            complete=bool(m.get("complete")),
            location=str(self.path),
        )


def read_snapshot(path: str | os.PathLike) -> Snapshot:
    """Open the snapshot at ``path``; raises :class:`SnapshotError` if it is not one."""
    path = Path(path).expanduser()
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(
            f"{path} is not a snapshot (no {MANIFEST}). Create one with `spacedata fetch --out DIR`."
        ) from None
    except ValueError as exc:
        raise SnapshotError(f"{path / MANIFEST} is not valid JSON ({exc}).") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("pages"), list):
        raise SnapshotError(
            f"{path / MANIFEST} is not a spacedata snapshot manifest (format {FORMAT})."
        )
    return Snapshot(path, manifest)


def bundled_snapshot() -> Snapshot:
    """The 20-record sample built from two real captures, shipped with the package."""
    inside = resources.files("spacedata") / "_bundled"
    if inside.is_dir():  # installed from a wheel
        return read_snapshot(Path(str(inside)))
    return read_snapshot(Path(__file__).resolve().parent.parent / "data" / "bundled")


def default_snapshot_dir() -> Path:
    """Where ``spacedata fetch`` writes when no ``--out`` is given."""
    return config.data_dir() / "snapshot"


def latest_snapshot() -> Snapshot | None:
    """The snapshot in :func:`default_snapshot_dir`, if one was fetched."""
    path = default_snapshot_dir()
    return read_snapshot(path) if (path / MANIFEST).is_file() else None


def write_snapshot(result: FetchResult, out: str | os.PathLike) -> Snapshot:
    """Write a sync's pages and manifest to ``out`` atomically (replacing any snapshot there)."""
    fetched_at = result.fetched_at or datetime.now(timezone.utc)
    return write_pages(
        out,
        [p.content for p in result.pages],
        [p.url for p in result.pages],
        {
            "source": result.source,
            "endpoint": result.endpoint,
            "params": result.params,
            "fetched_at": fetched_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "count_reported": result.count,
            "records_received": len(result.records),
            "complete": result.complete,
        },
    )


_CAPTURE_REQUEST = re.compile(r"^GET (\S+)$", re.M)


def import_captures(files: Sequence[str | os.PathLike], out: str | os.PathLike) -> Snapshot:
    """Build a snapshot from browsable-API captures (help text, ``GET url``, status, JSON body).

    This is how ``data/bundled`` is made from the two real captures; it is never complete.
    """
    bodies, urls, counts = [], [], []
    for f in files:
        text = Path(f).read_text(encoding="utf-8")
        request = _CAPTURE_REQUEST.search(text)
        start = text.find("\n{")
        if request is None or start < 0:
            raise SnapshotError(f"{f}: not a capture (no 'GET <url>' line or JSON body).")
        body = text[start + 1 :].strip() + "\n"
        try:
            counts.append(json.loads(body)["count"])
        except (ValueError, KeyError) as exc:
            raise SnapshotError(f"{f}: the JSON body does not parse as a page ({exc}).") from None
        bodies.append(body.encode("utf-8"))
        urls.append(urljoin(config.DEVELOPMENT_URL, request.group(1)))
    records = {r["id"] for b in bodies for r in json.loads(b)["results"]}
    return write_pages(
        out,
        bodies,
        urls,
        {
            "source": "captures",
            "endpoint": config.DEVELOPMENT_URL + "spacecraft/",
            "params": None,
            "fetched_at": None,
            "count_reported": max(counts),
            "records_received": len(records),
            "complete": False,
            "note": (
                f"Partial sample: {len(records)} real records of about {max(counts)}, from "
                f"{len(bodies)} captured pages of the LL2 browsable API fetched on unrecorded dates."
            ),
        },
    )


def write_pages(
    out: str | os.PathLike, bodies: list[bytes], urls: list[str], fields: dict
) -> Snapshot:
    """Write page bodies and a manifest (``fields`` plus checksums and versions) atomically."""
    out = Path(out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a snapshot is ordinary data
        (tmp / "pages").mkdir()
        pages = []
        for n, (body, url) in enumerate(zip(bodies, urls, strict=True), start=1):
            name = f"pages/{n:04d}.json"
            (tmp / name).write_bytes(body)
            pages.append(
                {
                    "file": name,
                    "url": url,
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "bytes": len(body),
                }
            )
        manifest = {
            "format": FORMAT,
            **fields,
            "api_version": "2.3.0",
            "spacedata_version": __version__,
            "credit": config.CREDIT,
            "pages": pages,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return read_snapshot(out)


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` to ``out``; an existing ``out`` is removed only after the new one is in place."""
    if not out.exists():
        tmp.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
