"""Publishing a verified snapshot as an immutable release that a whole team reads
(:func:`publish`; reading it back: :mod:`spacedata.remote`).

A *published directory* ``DEST`` (a local directory, ``file://``, or any URL fsspec writes:
``s3://bucket/prefix``, ``gs://...``)::

    DEST/latest.json                       the newest version and its manifest's sha256
    DEST/<version>/manifest.json           the snapshot's manifest, byte for byte
    DEST/<version>/pages/<endpoint>/0001.json   its pages, byte for byte
    DEST/<version>/tables/parquet/*.parquet     the ready tables (Parquet, dtypes kept)
    DEST/<version>/tables/csv/*.csv             ... and as CSV under the export conventions
    DEST/<version>/dictionary.csv, dictionary.md    what every column means
    DEST/<version>/CITATION.txt, citation.bib       how to cite this release
    DEST/<version>/release.json            sha256 and size of every file above but the pages

``<version>`` is ``<fetched_at>-<first 12 hex of the manifest's sha256>`` (``-partial`` added
for an incomplete snapshot published with ``allow_partial``): the same snapshot always gets
the same version, and versions sort by when LL2 sent the data. Inside a version the manifest
is written last, and ``latest.json`` after the whole version, in one put (a rename for a local
directory): a publish killed at any instant leaves readers on the previous version, and the
next publish completes the version it left.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from . import __version__, config
from .errors import SpacedataError
from .manifest import MANIFEST
from .snapshot import Snapshot, default_snapshot_dir, read_snapshot

LATEST = "latest.json"
RELEASE = "release.json"
#: ``latest.json``'s format (readers refuse another).
LATEST_FORMAT = 1
#: A version name: fetched_at (UTC), the manifest sha256's first 12 hex, ``-partial`` or not.
VERSION = re.compile(r"(\d{8}T\d{6}Z)-([0-9a-f]{12})(-partial)?")


class PublishError(SpacedataError):
    """A snapshot could not be published (incomplete, a destination that cannot be written,
    fsspec missing). ``latest.json`` was not changed."""


@dataclass(frozen=True)
class Published:
    """What :func:`publish` did.

    Attributes:
        dest: the destination, credentials redacted.
        version: the release's version name.
        manifest_sha256: the sha256 (hex) of its ``manifest.json``.
        complete: False for a partial snapshot published with ``allow_partial``.
        written: files written (0 when the version was already published: a no-op).
        latest: True if ``latest.json`` names this version now.
    """

    dest: str
    version: str
    manifest_sha256: str
    complete: bool
    written: int
    latest: bool


def version_of(snap: Snapshot) -> str:
    """The release version of ``snap`` (see the module docstring)."""
    at = snap.manifest.fetched_at
    stamp = f"{at:%Y%m%dT%H%M%SZ}" if at else "00000000T000000Z"
    return f"{stamp}-{snap.manifest_sha256[:12]}" + ("" if snap.manifest.complete else "-partial")


def publish(
    dest: str | os.PathLike,
    snapshot: str | os.PathLike | None = None,
    *,
    allow_partial: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> Published:
    """Publish the snapshot ``snapshot`` (default: the latest fetched, as ``source="snapshot"``
    reads it) to ``dest`` as an immutable release, then point ``dest/latest.json`` at it.

    Publishing a version that is there already writes nothing; ``latest.json`` never moves
    back to an older version than the one it names. ``storage_options`` go to fsspec (e.g.
    ``{"endpoint_url": ...}``); credentials are best given through the backend's own
    environment (``AWS_ACCESS_KEY_ID``...), and are never written or shown.

    Raises:
        SnapshotError: the snapshot fails verification (nothing published).
        PublishError: the snapshot is incomplete and ``allow_partial`` is off, or ``dest``
            cannot be written (the message names it, credentials redacted).
    """
    snap = read_snapshot(snapshot if snapshot is not None else default_snapshot_dir())
    if not snap.manifest.complete and not allow_partial:
        raise PublishError(
            f"{snap.location} is incomplete ({'; '.join(snap.manifest.problems)}); it was not "
            "published. Fetch a complete snapshot (`spacedata fetch --wait`), or publish it "
            "marked as partial with --allow-partial."
        )
    version = version_of(snap)
    store = _Store(str(dest), storage_options or {})
    shown = store.shown
    try:
        written = 0
        if not store.has_version(version, snap.manifest_sha256):
            for rel, data in _release_files(snap, version, shown):
                store.put(f"{version}/{rel}", data)
                written += 1
            store.put(f"{version}/{MANIFEST}", (snap.path / MANIFEST).read_bytes())  # last
            written += 1
        current = store.latest_version()
        moved = current is None or _order(current) <= _order(version)
        if moved and current != version:
            store.put(LATEST, _latest_json(snap, version), whole=True)
            written += 1
    except OSError as exc:
        raise PublishError(
            f"Could not publish to {shown} ({config.redact(_reason(exc))}); readers stay on "
            "the version latest.json named before. Publish again to complete it."
        ) from None
    return Published(shown, version, snap.manifest_sha256, snap.manifest.complete, written, moved)


def _order(version: str) -> tuple[str, str]:
    match = VERSION.fullmatch(version)
    return (match.group(1), version) if match else ("", version)


def _latest_json(snap: Snapshot, version: str) -> bytes:
    m = snap.manifest
    data = {
        "format": LATEST_FORMAT,
        "version": version,
        "manifest_sha256": snap.manifest_sha256,
        "complete": m.complete,
        "fetched_at": m.fetched_at.isoformat() if m.fetched_at else None,
        "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "spacedata_version": __version__,
    }
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def _release_files(snap: Snapshot, version: str, shown: str):
    """``(relative path, bytes)`` of every file of the release but the manifest: the pages
    byte for byte, the ready tables, the data dictionary, the citation, release.json."""
    from .citation import cite
    from .dictionary import data_dictionary, to_markdown
    from .exports import ExportError, export
    from .load import load_tables

    for entry in snap.manifest.pages:
        yield entry.file, (snap.path / entry.file).read_bytes()
    tables = load_tables(snap.path)
    extra: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="spacedata-publish-") as tmp:
        for fmt in ("parquet", "csv"):
            try:
                export(tables, Path(tmp) / fmt, format=fmt)
            except ExportError as exc:
                raise PublishError(
                    f"{exc}; publishing writes the tables as Parquet "
                    "(pip install 'll2-spacedata[publish]')."
                ) from None
            for file in sorted((Path(tmp) / fmt).iterdir()):
                extra[f"tables/{fmt}/{file.name}"] = file.read_bytes()
    extra["dictionary.csv"] = data_dictionary().to_csv(index=False).encode("utf-8")
    extra["dictionary.md"] = to_markdown().encode("utf-8")
    partial = "" if snap.manifest.complete else " PARTIAL: the snapshot was incomplete."
    at = f" at {shown}" if "://" in shown and not shown.startswith("file:") else ""
    where = f"Published as release {version}{at}.{partial}"  # never a local path
    extra["CITATION.txt"] = f"{cite(tables)}\n\n{where}\n".encode()
    extra["citation.bib"] = (cite(tables, style="bibtex") + "\n").encode("utf-8")
    files = {
        rel: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for rel, data in extra.items()
    }
    release = {
        "version": version,
        "manifest_sha256": snap.manifest_sha256,
        "complete": snap.manifest.complete,
        "files": files,
    }
    yield from extra.items()
    yield RELEASE, (json.dumps(release, indent=2) + "\n").encode("utf-8")


def _reason(exc: OSError) -> str:
    return exc.strerror or " ".join(str(exc).split()) or type(exc).__name__


class _Store:
    """Where a release goes: a local directory (files written whole, by rename) or an fsspec
    filesystem (one put per file)."""

    def __init__(self, dest: str, storage_options: dict[str, Any]):
        self.shown = config.redact(dest).rstrip("/")
        parts = urlsplit(dest)
        self.fs = None
        if parts.scheme == "file":
            self.root: Any = Path(url2pathname(unquote(parts.path)))
        elif len(parts.scheme) > 1 and "://" in dest:
            try:
                import fsspec
            except ImportError:
                raise PublishError(
                    f"Publishing to {self.shown} needs fsspec (and its backend for "
                    f"{parts.scheme}://): pip install 'll2-spacedata[s3]' (or [publish])."
                ) from None
            try:
                self.fs, self.root = fsspec.core.url_to_fs(dest, **storage_options)
            except (ImportError, ValueError) as exc:
                raise PublishError(
                    f"Cannot publish to {self.shown}: {config.redact(str(exc))}"
                ) from None
            self.root = self.root.rstrip("/")
        else:
            self.root = Path(dest).expanduser()

    def _read(self, rel: str) -> bytes | None:
        try:
            if self.fs is None:
                return (self.root / rel).read_bytes()
            return self.fs.cat_file(f"{self.root}/{rel}")
        except FileNotFoundError:
            return None

    def has_version(self, version: str, sha256: str) -> bool:
        """True if the version's manifest is there with this sha256 (written last, so the
        version is whole)."""
        data = self._read(f"{version}/{MANIFEST}")
        return data is not None and hashlib.sha256(data).hexdigest() == sha256

    def latest_version(self) -> str | None:
        data = self._read(LATEST)
        try:
            version = json.loads(data)["version"] if data else None
        except (ValueError, KeyError, TypeError):
            return None  # damaged: the publish replaces it
        return version if isinstance(version, str) and VERSION.fullmatch(version) else None

    def put(self, rel: str, data: bytes, whole: bool = False) -> None:
        """Write ``data`` to ``rel``; locally by rename, so no file is ever seen half written."""
        if self.fs is not None:
            self.fs.pipe_file(f"{self.root}/{rel}", data)
            return
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if whole:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


__all__ = ["LATEST", "PublishError", "Published", "publish", "version_of"]
