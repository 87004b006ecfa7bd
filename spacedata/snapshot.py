"""Snapshots: the raw LL2 pages of one sync (of one or several endpoints) plus
``manifest.json``, versioned and switched atomically, read safely.

``write_snapshot(result, OUT)`` makes ``OUT`` a *store*::

    OUT/CURRENT                                  the name of the current version (one line)
    OUT/versions/<version>/manifest.json         see :mod:`spacedata.manifest` (format 2)
    OUT/versions/<version>/pages/<endpoint>/0001.json   each page's body exactly as LL2 sent it
    OUT/.lock                                    taken by writers only; readers never wait

One snapshot holds every endpoint of one sync (``spacecraft``, ``spacecraft_flights``) under one
manifest, written and switched together: a reader never sees the flights of one sync with the
spacecraft of another.

A write takes the lock, writes the new version under a temporary name, fsyncs it, reads it back
to verify it, renames it into place and then switches ``CURRENT`` with one ``os.replace``. It
keeps the version it replaced (a reader may still be reading it) and deletes older ones, and
what killed writes left behind. So readers never see a half-written snapshot, and a kill at any
instant leaves the previous one loadable. No symlinks: this works on Linux, macOS and Windows.

A *flat* snapshot (``manifest.json`` and ``pages/`` directly in the directory: the bundled
sample, a version directory) is read as it is; writing a store to it converts it.
``write_endpoints(..., layout="flat")`` writes one (``data/bundled``).

Reading checks everything and trusts nothing: page paths (relative, inside, no symlink, regular
files, bounded size), sizes and sha256 of every page, and the manifest's claims against the
records read. Each problem is one :class:`SnapshotError` whose one-line message names the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import filelock

from . import _pages, config
from .errors import SnapshotError
from .manifest import MANIFEST, MAX_PAGE_BYTES, PRIMARY, Manifest
from .provenance import Provenance

log = logging.getLogger("spacedata")

CURRENT = "CURRENT"
VERSIONS = "versions"
LOCK = ".lock"
#: Size limits when reading (bytes): at most limit + 1 bytes are ever read from a file.
MAX_MANIFEST_BYTES = 16 * 2**20
MAX_CURRENT_BYTES = 256
#: How many times a reader re-reads ``CURRENT`` when writers delete the version it was reading.
READ_ATTEMPTS = 5
#: How long a writer waits for another writer of the same snapshot (seconds).
LOCK_TIMEOUT_S = 300.0

_VERSION = re.compile(r"(\d{8})-\d{8}T\d{6}Z")
_TMP_VERSION = ".tmp-"  # versions/.tmp-<pid>-<hex>: a version being written
_TMP_CURRENT = re.compile(r"\.CURRENT\..*\.tmp")  # OUT/.CURRENT.<pid>-<hex>.tmp
_FLAT_PAGE = re.compile(r"\d{4}\.json")
_ENDPOINT_DIR = re.compile(r"[a-z][a-z0-9_]{0,39}")
_REFETCH = "Fetch the snapshot again (`spacedata fetch --out DIR`)."
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # a symlink swapped in after the check is refused
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in never blocks the open
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class _Vanished(SnapshotError):
    """A file the reader needs disappeared (a writer may have deleted an old version)."""


@dataclass(frozen=True)
class Snapshot:
    """A snapshot read from disk and verified.

    Attributes:
        path: the directory actually read: a store's version directory, or a flat snapshot.
        manifest: its validated :class:`~spacedata.manifest.Manifest`.
        location: the path the user named (``OUT``); provenance reports this one.
        manifest_sha256: the sha256 (hex) of the ``manifest.json`` bytes as read (citations
            name the snapshot by it).

    Methods that take ``endpoint`` default to the primary one (``spacecraft`` when the snapshot
    holds it); ``endpoints`` says which it holds.
    """

    path: Path
    manifest: Manifest
    location: Path
    _parsed: dict = field(repr=False, compare=False)
    _records: dict = field(repr=False, compare=False, default_factory=dict)
    manifest_sha256: str | None = None

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The endpoints this snapshot holds, in the order they were fetched."""
        return tuple(self.manifest.endpoints)

    def has(self, endpoint: str) -> bool:
        return endpoint in self.manifest.endpoints

    def pages(self, endpoint: str | None = None) -> list[dict]:
        """Every page of ``endpoint``, parsed (sizes, sha256 and claims were checked when it
        was read). KeyError if the snapshot does not hold it."""
        return list(self._parsed[self._name(endpoint)])

    def records(self, endpoint: str | None = None) -> list[dict]:
        """All records of ``endpoint``'s pages, de-duplicated by id (a later page wins), in page
        order. The dicts are shared between calls: copy before changing them."""
        name = self._name(endpoint)
        if name not in self._records:
            self._records[name] = _pages.unique_records(self._parsed[name])
        return list(self._records[name])

    @property
    def provenance(self) -> Provenance:
        """The provenance of the primary endpoint (see :meth:`provenance_for`)."""
        return self.manifest.provenance(str(self.location), manifest_sha256=self.manifest_sha256)

    def provenance_for(self, endpoint: str) -> Provenance:
        """Where ``endpoint``'s records came from, as of when, complete or not."""
        return self.manifest.provenance(
            str(self.location), self._name(endpoint), manifest_sha256=self.manifest_sha256
        )

    def _name(self, endpoint: str | None) -> str:
        name = self.manifest.primary if endpoint is None else endpoint
        if name not in self._parsed:
            raise KeyError(
                f"{self.location} holds no {name!r} pages (it holds {', '.join(self.endpoints)})."
            )
        return name


# --------------------------------------------------------------------------------- reading


def read_snapshot(path: str | os.PathLike) -> Snapshot:
    """Read and verify the snapshot at ``path`` (a store, or a flat snapshot directory).

    All pages are read and checked before this returns, from the one version ``CURRENT``
    names; if writers delete that version meanwhile, ``CURRENT`` is read again (up to
    ``READ_ATTEMPTS`` times). Raises :class:`SnapshotError` (one line, naming the file) if
    ``path`` is not a snapshot or anything in it fails a check.
    """
    location = Path(path).expanduser()
    where = _resolve(location)
    for _ in range(READ_ATTEMPTS):
        try:
            return _read_dir(where, location)
        except _Vanished as exc:
            again = _resolve(location)
            if again == where:  # nothing was switched: the file is really missing
                raise SnapshotError(str(exc)) from None
            log.debug("%s was replaced while being read; reading %s instead", where, again)
            where = again
    raise SnapshotError(
        f"{location}: the snapshot was replaced {READ_ATTEMPTS} times while being read "
        "(writes in a tight loop?); read it again when writes pause."
    )


def is_snapshot(path: str | os.PathLike) -> bool:
    """True if ``path`` looks like a snapshot (a store's ``CURRENT`` or a flat manifest);
    :func:`read_snapshot` still verifies it."""
    path = Path(path).expanduser()
    return os.path.lexists(path / CURRENT) or os.path.lexists(path / MANIFEST)


#: Where the bundled sample comes from and what that does to charts, for every place it shows.
BUNDLED_ABOUT = (
    "The bundled sample is real LL2 data from its development host (lldev.thespacedevs.com), "
    "a stale and limited copy, not the whole catalogue. Spacecraft: 20 records of about 603, "
    "from two pages captured on unrecorded dates (offset 30 in the default order, and offset "
    "300 ordered by most flights first); all 20 flew exactly once, so they are skewed to "
    "single-use craft. Flights: the whole 38-flight listing that host held about 2026-07-19, "
    '27 flown and 11 planned (a planned flight\'s date can mean just "some time in 2026"), '
    "2025-2027 flights only, so the charts through time show those years, not LL2's history. "
    "The 35 spacecraft those flights carry are not in the two pages: they are added from the "
    "record each flight embeds (seen_in = spacecraft_flights), and every reused craft in the "
    "sample is one of them."
)


def bundled_snapshot() -> Snapshot:
    """The bundled sample (real captures: 20 spacecraft records, 38 flights), shipped with the package."""
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
    return read_snapshot(path) if is_snapshot(path) else None


def previous_version(path: str | os.PathLike) -> Path | None:
    """The directory of the version the store at ``path`` held before its current one (a
    store keeps it when it switches; :func:`read_snapshot` reads it), or None: a flat
    snapshot, a first write."""
    location = Path(path).expanduser()
    current = _current_name(location) if os.path.lexists(location / CURRENT) else None
    versions = location / VERSIONS
    if current is None or versions.is_symlink() or not versions.is_dir():
        return None
    older = sorted(
        p.name for p in versions.iterdir() if _VERSION.fullmatch(p.name) and p.name < current
    )
    return versions / older[-1] if older else None


def _resolve(location: Path) -> Path:
    """The directory to read: the version ``CURRENT`` names, else ``location`` if it is flat."""
    not_one = SnapshotError(
        f"{location} is not a snapshot (no {MANIFEST} or {CURRENT}). "
        "Create one with `spacedata fetch --out DIR`."
    )
    if not location.is_dir():
        raise not_one
    named = None
    for _ in range(READ_ATTEMPTS):
        try:
            raw = _read_file(location, CURRENT, limit=MAX_CURRENT_BYTES)
        except _Vanished:
            if os.path.lexists(location / CURRENT):  # replaced between lstat and open
                continue
            if os.path.lexists(location / MANIFEST):
                return location
            raise not_one from None
        name = raw.decode("utf-8", "replace").strip()
        if not _VERSION.fullmatch(name):
            raise SnapshotError(
                f"{location / CURRENT}: names {name[:40]!r}, not a snapshot version; the store "
                f"is damaged. Write a new snapshot to {location}."
            )
        version = location / VERSIONS / name
        try:
            _check_dir(location / VERSIONS, version)  # versions/ itself: no link either
            _check_dir(version, version)
            return version
        except _Vanished:
            if name == named:  # CURRENT did not move: the version it names is gone
                raise SnapshotError(
                    f"{version}: is missing but {location / CURRENT} names it; the store is "
                    f"damaged. Write a new snapshot to {location}."
                ) from None
            named = name  # deleted by writers since CURRENT was read: read CURRENT again
    raise SnapshotError(
        f"{location}: {CURRENT} kept changing while being read; read it again when writes pause."
    )


def _read_dir(where: Path, location: Path) -> Snapshot:
    """Read and verify the manifest and pages in ``where`` (a version or a flat snapshot)."""
    manifest_path = where / MANIFEST
    raw_manifest = _read_file(where, MANIFEST, limit=MAX_MANIFEST_BYTES)
    manifest = Manifest.from_json(raw_manifest, str(manifest_path))
    manifest_sha256 = hashlib.sha256(raw_manifest).hexdigest()
    del raw_manifest
    bodies: dict[str, list[bytes]] = {}
    for name, part in manifest.endpoints.items():
        bodies[name] = []
        for entry in part.pages:
            body = _read_file(where, entry.file, limit=MAX_PAGE_BYTES, expected=entry.bytes)
            if hashlib.sha256(body).hexdigest() != entry.sha256:
                raise SnapshotError(
                    f"{where / entry.file}: does not match its sha256 in {MANIFEST}; the file "
                    f"was changed or damaged. {_REFETCH}"
                )
            bodies[name].append(body)
    parsed: dict[str, list] = {}
    records: dict[str, list] = {}
    with _pages.gc_paused():
        for name, part in manifest.endpoints.items():
            parsed[name] = []
            for entry, body in zip(part.pages, bodies[name], strict=True):
                try:
                    page = _pages.parse(body)
                except _pages.JSONDecodeError as exc:
                    raise SnapshotError(
                        f"{where / entry.file}: is not valid JSON ({exc}). {_REFETCH}"
                    ) from None
                if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                    raise SnapshotError(
                        f"{where / entry.file}: is not an LL2 list page (no 'results' list). "
                        f"{_REFETCH}"
                    )
                parsed[name].append(page)
            records[name] = _pages.unique_records(parsed[name])
    del bodies
    manifest.check_records({n: len(r) for n, r in records.items()}, str(manifest_path))
    return Snapshot(where, manifest, location, parsed, records, manifest_sha256)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def _lstat(path: Path, file: Path) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise _Vanished(f"{file}: is missing; the snapshot is incomplete. {_REFETCH}") from None
    except OSError as exc:
        raise SnapshotError(f"{file}: cannot be read ({exc.strerror}). {_REFETCH}") from None


def _check_dir(path: Path, file: Path) -> None:
    """``path`` (on the way to ``file``) is a real directory, not a link to one."""
    st = _lstat(path, file)
    if not stat.S_ISDIR(st.st_mode):
        kind = _kind(st.st_mode)
        what = f"is {kind}" if path == file else f"is below {path.name}/, which is {kind}"
        raise SnapshotError(
            f"{file}: {what}, not a plain directory; a snapshot must be plain directories and "
            f"files, no links. {_REFETCH}"
        )


def _read_file(root: Path, rel: str, *, limit: int, expected: int | None = None) -> bytes:
    """The bytes of ``root/rel``, a regular file reached without symlinks, read with a bound.

    At most ``min(expected, limit) + 1`` bytes are read. Symlinks (even into the snapshot),
    FIFOs, devices and directories are refused without being opened.
    """
    path = root.joinpath(*rel.split("/"))
    step = root
    for part in rel.split("/")[:-1]:
        step = step / part
        _check_dir(step, path)
    st = _lstat(path, path)
    if not stat.S_ISREG(st.st_mode):
        raise SnapshotError(
            f"{path}: is {_kind(st.st_mode)}, not a regular file; a snapshot's files must be "
            f"regular files inside it. {_REFETCH}"
        )
    want = limit if expected is None else min(expected, limit)
    if st.st_size > want:
        raise SnapshotError(_size_error(path, st.st_size, want, expected))
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise _Vanished(f"{path}: is missing; the snapshot is incomplete. {_REFETCH}") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot be opened ({exc.strerror}). {_REFETCH}") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise _Vanished(f"{path}: was replaced while being opened. Read it again.")
        chunks, got = [], 0
        while got <= want:
            chunk = os.read(fd, min(want + 1 - got, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > want:
        raise SnapshotError(_size_error(path, len(data), want, expected))
    if expected is not None and len(data) != expected:
        raise SnapshotError(
            f"{path}: is {len(data)} bytes but {MANIFEST} says {expected}; the file was cut "
            f"short or changed. {_REFETCH}"
        )
    return data


def _size_error(path: Path, size: int, want: int, expected: int | None) -> str:
    if expected is not None and expected <= want:
        return (
            f"{path}: is {size} bytes or more but {MANIFEST} says {expected}; the file was "
            f"changed. {_REFETCH}"
        )
    return f"{path}: is over the {want}-byte limit for a snapshot file; it is not a page."


# --------------------------------------------------------------------------------- writing


def partial_path(out: str | os.PathLike) -> Path:
    """Where ``write_snapshot(..., allow_partial=True)`` keeps an incomplete sync: the sibling
    ``<out>.partial`` (a store too), so ``out`` itself only ever holds complete syncs."""
    out = Path(out).expanduser()
    return out.with_name(out.name + ".partial")


def write_snapshot(result: Any, out: str | os.PathLike, *, allow_partial: bool = False) -> Snapshot:
    """Write a sync's pages and manifest to the store ``out`` as a new current version.

    ``result`` is a :class:`~spacedata.client.SyncResult` (several endpoints) or a
    :class:`~spacedata.client.FetchResult` (one; anything with its attributes: ``problems``,
    ``stale_since`` and ``name`` are optional). An incomplete result (any endpoint incomplete)
    is refused with a :class:`SnapshotError` and nothing is written, unless
    ``allow_partial=True``: then it is written to :func:`partial_path` ``(out)``, never over
    ``out``. Returns the snapshot written (its ``path`` is the new version directory, its
    ``location`` the store).
    """
    out = Path(out).expanduser()
    results = getattr(result, "results", None)
    if results is None:
        results = {getattr(result, "name", None) or PRIMARY: result}
    target = out
    if not result.complete:
        problems = [
            f"{name}: {p}" if len(results) > 1 else p
            for name, r in results.items()
            for p in _problems(r)
        ]
        why = "; ".join(problems) or "a sync that did not finish"
        if not allow_partial:
            raise SnapshotError(
                f"Not written: the sync is incomplete ({why}); {out} is unchanged. Fetch again, "
                f"or pass allow_partial=True (`spacedata fetch --allow-partial`) to keep it "
                f"beside, in {partial_path(out)}."
            )
        target = partial_path(out)
        log.warning("Incomplete sync (%s) written to %s; %s is unchanged.", why, target, out)
    parts = {}
    for name, r in results.items():
        fetched_at = r.fetched_at or (datetime.now(timezone.utc) if r.pages else None)
        parts[name] = (
            [p.content for p in r.pages],
            [p.url for p in r.pages],
            {
                "endpoint": r.endpoint,
                "params": r.params,
                "fetched_at": fetched_at
                and fetched_at.astimezone(timezone.utc).replace(microsecond=0),
                "count_reported": r.count,
                "records_received": len(r.records),
                "complete": bool(r.complete),
                "stale_since": getattr(r, "stale_since", None),
                "problems": _problems(r),
            },
        )
    return write_endpoints(target, parts, {"source": result.source})


def _problems(r: Any) -> list[str]:
    problems = [" ".join(str(p).split()) for p in getattr(r, "problems", None) or []]
    if not r.complete and not problems:
        of = r.count if r.count is not None else "an unknown number"
        problems = [f"{len(r.records)} unique records arrived of {of} reported"]
    return problems


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


def write_endpoints(
    out: str | os.PathLike,
    endpoints: Mapping[str, tuple[Sequence[bytes], Sequence[str], Mapping[str, Any]]],
    fields: Mapping[str, Any],
    *,
    layout: Literal["store", "flat"] = "store",
) -> Snapshot:
    """Write the pages of one or several endpoints under one manifest to ``out``.

    ``endpoints`` maps each endpoint name to ``(bodies, urls, part fields)``; the part fields
    are those of :class:`~spacedata.manifest.EndpointEntry` but ``pages`` (endpoint, params,
    fetched_at, count_reported, records_received, complete, optionally stale_since, problems),
    and optionally ``origins``, one per page (:attr:`~spacedata.manifest.PageEntry.origin`).
    ``fields`` are the top-level ones (source, optionally note). Page files go to
    ``pages/<endpoint>/0001.json``. The low-level writer, without :func:`write_snapshot`'s
    completeness policy: what is written is read back and verified (claims included) before it
    replaces anything. ``layout="store"`` (default) adds a version to the store ``out``;
    ``layout="flat"`` writes ``manifest.json`` and ``pages/`` directly in ``out``, replacing a
    flat snapshot there with two renames (for shipped data such as ``data/bundled``; readers of
    ``out`` may see the gap). Raises :class:`SnapshotError` and leaves ``out`` as it was if
    anything fails.
    """
    _check_layout(layout)
    out = Path(out).expanduser()
    parts, bodies = {}, []
    for name, (part_bodies, urls, part) in endpoints.items():
        if not _ENDPOINT_DIR.fullmatch(str(name)):
            raise SnapshotError(f"{name!r} is not an endpoint name; nothing was written.")
        part = dict(part)
        pages = _entries(f"pages/{name}", part_bodies, urls)
        for page, origin in zip(pages, part.pop("origins", None) or [], strict=False):
            page["origin"] = origin
        parts[name] = {**part, "pages": pages}
        bodies += list(part_bodies)
    manifest = Manifest.build_endpoints(fields, parts, f"the manifest for {out}")
    return _write(out, bodies, manifest, layout)


def _check_layout(layout: str) -> None:
    if layout not in ("store", "flat"):
        raise ValueError(f"layout={layout!r}: use 'store' or 'flat'.")


def _entries(folder: str, bodies: Sequence[bytes], urls: Sequence[str]) -> list[dict]:
    return [
        {
            "file": f"{folder}/{n:04d}.json",
            "url": url,
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
        }
        for n, (body, url) in enumerate(zip(bodies, urls, strict=True), start=1)
    ]


def _write(out: Path, bodies: list[bytes], manifest: Manifest, layout: str) -> Snapshot:
    if layout == "flat":
        return _write_flat(out, bodies, manifest)
    return _write_store(out, bodies, manifest)


def _write_store(out: Path, bodies: Sequence[bytes], manifest: Manifest) -> Snapshot:
    _check_store_target(out)
    with _locked(out):
        _clean_leftovers(out)
        current = _current_name(out)
        versions = out / VERSIONS
        if not versions.is_dir():
            versions.mkdir()
            _fsync_dir(out)
        name = _next_version(versions)
        tmp = versions / f"{_TMP_VERSION}{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            _write_version(tmp, bodies, manifest)
            snap = _verify(tmp, out)
            tmp.rename(versions / name)
            _fsync_dir(versions)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _switch_current(out, name)
        _remove_flat(out)
        _prune(versions, keep={name, current})
    log.info(
        "Wrote snapshot %s (version %s): %s; %s.",
        out,
        name,
        ", ".join(f"{n} {p.records_received} records" for n, p in manifest.endpoints.items()),
        "complete" if manifest.complete else "incomplete",
    )
    return dataclasses.replace(snap, path=versions / name)


def _write_flat(out: Path, bodies: Sequence[bytes], manifest: Manifest) -> Snapshot:
    if os.path.lexists(out / CURRENT):
        raise SnapshotError(
            f"{out} is a versioned snapshot store; write to it with layout='store', or choose "
            "another directory for a flat snapshot."
        )
    if out.exists() and any(out.iterdir()) and not os.path.lexists(out / MANIFEST):
        raise SnapshotError(
            f"{out} holds other files and is not a snapshot; choose a new or empty directory."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    tmp.mkdir()
    try:
        _write_version(tmp, bodies, manifest)
        snap = _verify(tmp, out)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
            out.rename(old)
            try:
                tmp.rename(out)
            except BaseException:
                old.rename(out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dataclasses.replace(snap, path=out)


def _verify(where: Path, out: Path) -> Snapshot:
    """Read back what was just written, through the reader, before it replaces anything."""
    try:
        return _read_dir(where, out)
    except SnapshotError as exc:
        raise SnapshotError(
            f"Not written: the new snapshot does not verify ({exc}); {out} is unchanged."
        ) from None


def _write_version(where: Path, bodies: Sequence[bytes], manifest: Manifest) -> None:
    """Pages and manifest into the empty directory ``where``, every file and directory fsynced."""
    (where / "pages").mkdir()
    folders = {where / "pages"}
    for entry, body in zip(manifest.pages, bodies, strict=True):
        path = where.joinpath(*entry.file.split("/"))
        if path.parent not in folders:
            path.parent.mkdir(parents=True)
            folders.add(path.parent)
        _write_file(path, body)
    _write_file(where / MANIFEST, manifest.to_json())
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        _fsync_dir(folder)
    _fsync_dir(where)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    """Make a directory's entries durable (POSIX; Windows cannot open a directory for this)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on directories; the rename still holds
        pass
    finally:
        os.close(fd)


def _check_store_target(out: Path) -> None:
    """``out`` may become (or is) a store: refuse a version directory or an unrelated one."""
    if out.parent.name == VERSIONS and os.path.lexists(out.parent.parent / CURRENT):
        raise SnapshotError(
            f"{out} is a version inside the snapshot store {out.parent.parent}; write to "
            f"{out.parent.parent} instead."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SnapshotError(f"{out} exists and is not a directory; choose another path.") from None
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    ours = {CURRENT, VERSIONS, MANIFEST, "pages"}
    stray = sorted(names - ours)
    if stray or ("pages" in names and not names & {CURRENT, MANIFEST}):
        shown = ", ".join((stray or ["pages"])[:3])
        raise SnapshotError(
            f"{out} holds other files ({shown}) and is not a snapshot; choose a new or empty "
            "directory."
        )


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` so that writers of ``out`` take turns (readers never wait)."""
    lock = filelock.FileLock(str(out / LOCK), timeout=LOCK_TIMEOUT_S)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise SnapshotError(
            f"Another process has been writing {out} for {LOCK_TIMEOUT_S:.0f} s (it holds "
            f"{out / LOCK}); wait for it to finish, or stop it and write again."
        ) from None
    try:
        yield
    finally:
        lock.release()


def _current_name(out: Path) -> str | None:
    """The version ``CURRENT`` names, None if there is none (or it is damaged: then logged)."""
    try:
        name = _read_file(out, CURRENT, limit=MAX_CURRENT_BYTES).decode("utf-8", "replace")
    except _Vanished:
        return None
    except SnapshotError as exc:
        log.warning("Replacing a damaged %s: %s", CURRENT, exc)
        return None
    name = name.strip()
    if not _VERSION.fullmatch(name):
        log.warning("Replacing a damaged %s in %s (it named %r).", CURRENT, out, name[:40])
        return None
    return name


def _next_version(versions: Path) -> str:
    """``<8-digit sequence>-<UTC time>Z``, one past the highest version there."""
    seqs = [int(m.group(1)) for p in versions.iterdir() if (m := _VERSION.fullmatch(p.name))]
    now = datetime.now(timezone.utc)
    return f"{max(seqs, default=0) + 1:08d}-{now:%Y%m%dT%H%M%S}Z"


def _switch_current(out: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name``: temp file, fsync, ``os.replace``, fsync ``out``."""
    tmp = out / f".CURRENT.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        _write_file(tmp, (name + "\n").encode("ascii"))
        for attempt in range(10):
            try:
                os.replace(tmp, out / CURRENT)
                break
            except PermissionError:  # Windows: a reader has CURRENT open for a moment
                if attempt == 9:
                    raise
                time.sleep(0.01 * (attempt + 1))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(out)


def _clean_leftovers(out: Path) -> None:
    """Remove what killed writes left (under the lock): temp ``CURRENT`` files, temp versions,
    versions that never became current, and a flat snapshot a store already replaced."""
    removed = []
    for p in out.iterdir():
        if _TMP_CURRENT.fullmatch(p.name):
            p.unlink(missing_ok=True)
            removed.append(p.name)
    versions = out / VERSIONS
    has_current = os.path.lexists(out / CURRENT)
    current = _current_name(out) if has_current else None
    if versions.is_dir():
        for p in versions.iterdir():
            m = _VERSION.fullmatch(p.name)
            never_current = m is not None and (
                not has_current or (current is not None and int(m.group(1)) > int(current[:8]))
            )
            if p.name.startswith(_TMP_VERSION) or never_current:
                _rmtree(p)
                removed.append(f"{VERSIONS}/{p.name}")
    if has_current:
        removed += _remove_flat(out)
    if removed:
        log.info(
            "Removed leftovers of an interrupted snapshot write in %s: %s.",
            out,
            ", ".join(removed),
        )


def _remove_flat(out: Path) -> list[str]:
    """Remove a flat snapshot's ``manifest.json`` and ``pages/<endpoint>/NNNN.json`` from a store (readers
    prefer ``CURRENT``); the manifest goes first, so a half-removed one is never read."""
    removed = []
    pages = out / "pages"
    try:
        if os.path.lexists(out / MANIFEST):
            (out / MANIFEST).unlink()
            removed.append(MANIFEST)
        if pages.is_dir() and not pages.is_symlink():
            for p in pages.iterdir():
                if _ENDPOINT_DIR.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
                    for q in p.iterdir():  # pages/<endpoint>/NNNN.json
                        if _FLAT_PAGE.fullmatch(q.name) and q.is_file() and not q.is_symlink():
                            q.unlink()
                    p.rmdir()
            pages.rmdir()
            removed.append("pages/")
    except OSError as exc:  # the new version is current already; this is only tidying
        log.warning("Left part of the old flat snapshot in %s (%s); remove it by hand.", out, exc)
    if removed:
        _fsync_dir(out)
    return removed


def _prune(versions: Path, keep: set[str | None]) -> None:
    """Delete every version but ``keep`` (the new one and the one it replaced)."""
    for p in versions.iterdir():
        if _VERSION.fullmatch(p.name) and p.name not in keep:
            _rmtree(p)
            log.debug("Removed old snapshot version %s", p)


def _rmtree(path: Path) -> None:
    """Remove a directory; what cannot go now (Windows: a reader has it open) goes next time."""

    def later(_func, failed, exc) -> None:
        exc = exc[1] if isinstance(exc, tuple) else exc
        log.debug("Could not remove %s now (%s); the next write retries.", failed, exc)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=later)
    else:
        shutil.rmtree(path, onerror=later)
