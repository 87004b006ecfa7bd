"""Reading snapshots: the raw LL2 pages of one sync (of one or several endpoints) plus
``manifest.json``, versioned and switched atomically (:mod:`spacedata.snapshot_writer` writes
them), read safely.

A *store* ``OUT``::

    OUT/CURRENT                                  the name of the current version (one line)
    OUT/versions/<version>/manifest.json         see :mod:`spacedata.manifest`
    OUT/versions/<version>/pages/<endpoint>/0001.json   each page's body exactly as LL2 sent it
    OUT/.lock                                    taken by writers only; readers never wait

One snapshot holds every endpoint of one sync (``spacecraft``, ``spacecraft_flights``) under one
manifest, written and switched together: a reader never sees the flights of one sync with the
spacecraft of another. Readers follow ``CURRENT`` and re-read it if the version they were
reading is replaced under them; no symlinks anywhere (this works on Linux, macOS and Windows).
A *flat* snapshot (``manifest.json`` and ``pages/`` directly in the directory: the bundled
sample, a version directory) is read as it is.

Reading checks everything and trusts nothing: page paths (relative, inside, no symlink, regular
files, bounded size), sizes and sha256 of every page, and the manifest's claims against the
records read. Each problem is one :class:`SnapshotError` whose one-line message names the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import _pages, config
from .errors import SnapshotError
from .manifest import MANIFEST, MAX_PAGE_BYTES, Manifest
from .provenance import Provenance

log = logging.getLogger("spacedata")

CURRENT = "CURRENT"
VERSIONS = "versions"
#: Size limits when reading (bytes): at most limit + 1 bytes are ever read from a file.
MAX_MANIFEST_BYTES = 16 * 2**20
MAX_CURRENT_BYTES = 256
#: How many times a reader re-reads ``CURRENT`` when writers delete the version it was reading.
READ_ATTEMPTS = 5

_VERSION = re.compile(r"(\d{8})-\d{8}T\d{6}Z")
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
