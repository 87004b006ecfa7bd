"""Reading a published directory (:mod:`spacedata.publishing`) from anywhere: an http(s) URL of
plain static hosting, or any URL fsspec reads (``s3://``, ``gs://``, ``file://``).

:func:`read_published` reads ``latest.json`` (never from a cache: it is asked for every time),
then the version it names. http(s) goes through the LL2 client's session
(:class:`~spacedata.transport.LL2Session`: its deadline, size bound, same-origin redirects,
``user:pass@`` sent as basic auth and never stored); other URLs through fsspec. Every file is
checked before it is kept: the manifest's sha256 against ``latest.json``, every page's size and
sha256 against the manifest. A verified version is kept for good in the cache directory
(``SPACEDATA_CACHE_DIR/published/``; a version never changes; the newest
:data:`KEEP_VERSIONS` of each URL) and read from there by
:func:`spacedata.snapshot.read_snapshot`, which checks it all again. Any problem is one
:class:`~spacedata.errors.SnapshotError` whose line names the file (credentials redacted).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import config
from .errors import SnapshotError
from .manifest import MANIFEST, MAX_PAGE_BYTES, Manifest
from .provenance import Provenance
from .publishing import LATEST, LATEST_FORMAT, VERSION
from .snapshot import MAX_MANIFEST_BYTES, Snapshot, read_snapshot

#: How many versions of one published directory are kept in the cache (the newest).
KEEP_VERSIONS = 2
#: The largest ``latest.json`` read (bytes).
MAX_LATEST_BYTES = 64 * 1024
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
_SHA = re.compile(r"[0-9a-f]{64}")
_AGAIN = "Publish it again (`spacedata publish DEST`), or ask who publishes it."


def is_url(source: object) -> bool:
    """True for a string naming a URL (``https://...``, ``s3://...``), not a local path."""
    return isinstance(source, str) and bool(_URL.match(source.strip()))


@dataclasses.dataclass(frozen=True)
class Release:
    """What ``latest.json`` of a published directory says.

    Attributes:
        url: the published directory, credentials redacted, without a trailing ``/``.
        version: the newest version's name.
        manifest_sha256: the sha256 (hex) its ``manifest.json`` must have.
        complete: False for a snapshot published as partial.
    """

    url: str
    version: str
    manifest_sha256: str
    complete: bool


@dataclasses.dataclass(frozen=True)
class PublishedSnapshot(Snapshot):
    """A :class:`~spacedata.snapshot.Snapshot` read from a published directory: its provenance
    names the published URL and version."""

    release: Release | None = None

    def provenance_for(self, endpoint: str) -> Provenance:
        prov = super().provenance_for(endpoint)
        if self.release is None:
            return prov
        return dataclasses.replace(
            prov, published_url=self.release.url, published_version=self.release.version
        )

    @property
    def provenance(self) -> Provenance:
        return self.provenance_for(self.manifest.primary)


def latest(url: str) -> Release:
    """The :class:`Release` ``url/latest.json`` names (read now, never from a cache; offline
    (``SPACEDATA_OFFLINE``): the one last read). Raises SnapshotError."""
    with _Reader(url) as reader:
        return reader.latest()


def read_published(url: str) -> PublishedSnapshot:
    """The newest version published at ``url``, verified (see the module docstring).

    Raises:
        SnapshotError: ``latest.json`` or a file is missing, unreachable, too large, late
            (past ``SPACEDATA_HTTP_DEADLINE``) or does not match its sha256; one line naming
            the file.
    """
    with _Reader(url) as reader:
        release = reader.latest()
        where = reader.local / release.version
        snap = _cached(where, release)
        if snap is None:
            reader.download(release, where)
            snap = _cached(where, release)
            _prune(reader.local, keep=KEEP_VERSIONS)
        if snap is None:  # pragma: no cover - verified while downloading
            raise SnapshotError(f"{release.url}/{release.version}: could not be kept. {_AGAIN}")
    return snap


def release_loader(url: str):
    """A dashboard loader (:mod:`spacedata.dashboard.data`) of the release published at
    ``url``: each call (a scheduled refresh) reads ``latest.json`` only, and the new version
    when it names one; never LL2. Returns the same Tables while the version stays."""
    from .load import load_tables

    held: dict[str, object] = {}

    def load(refresh: bool = False):  # noqa: ARG001 - the loader signature
        version = latest(url).version
        if held.get("version") != version:
            held["tables"], held["version"] = load_tables(url), version
        return held["tables"]

    return load


def _prune(local: Path, keep: int) -> None:
    """Remove all but the ``keep`` newest kept versions of one published directory (a reader
    that was reading one removed reads ``latest.json`` again)."""
    from .publishing import _order

    kept = sorted(
        (p.name for p in local.iterdir() if p.is_dir() and VERSION.fullmatch(p.name)), key=_order
    )
    for name in kept[:-keep]:
        shutil.rmtree(local / name, ignore_errors=True)


def _cached(where: Path, release: Release) -> PublishedSnapshot | None:
    """The verified copy of ``release`` kept at ``where``, or None (absent, or changed: then
    removed, to be read again)."""
    if not (where / MANIFEST).is_file():
        return None
    try:
        snap = read_snapshot(where)
    except SnapshotError:
        snap = None
    if snap is None or snap.manifest_sha256 != release.manifest_sha256:
        shutil.rmtree(where, ignore_errors=True)
        return None
    fields = {f.name: getattr(snap, f.name) for f in dataclasses.fields(Snapshot)}
    fields["location"] = release.url
    return PublishedSnapshot(**fields, release=release)


class _Reader:
    """Reads files below one published directory, bounded, over http(s) or fsspec."""

    def __init__(self, url: str):
        url = url.strip().rstrip("/")
        self.shown = config.redact(url)
        self.local = (
            config.cache_dir() / "published" / hashlib.sha256(self.shown.encode()).hexdigest()[:16]
        )
        self.session = self.fs = None
        if url.lower().startswith(("http://", "https://")):
            from .transport import CACHE_FILE, DEFAULT_DEADLINE, DEFAULT_MAX_BYTES, LL2Session

            self.base, basic = config.split_credentials(url + "/")
            deadline = config.http_deadline(DEFAULT_DEADLINE)
            self.max_bytes = config.http_max_bytes(DEFAULT_MAX_BYTES)
            self.session = LL2Session(
                self.base,
                cache_path=config.cache_dir() / CACHE_FILE,
                basic_auth=basic,
                timeout=(min(5.0, deadline), min(30.0, deadline)),
                deadline=deadline,
                max_bytes=self.max_bytes,
                retries=2,
                backoff_factor=config.http_backoff(0.5),
            )
            self.session.headers["Accept"] = "*/*"
            self.deadline = deadline
        else:
            try:
                import fsspec

                self.fs, root = fsspec.core.url_to_fs(url)
            except ImportError as exc:
                raise SnapshotError(
                    f"{self.shown}: reading it needs fsspec and its backend ({exc.name}): "
                    "pip install 'll2-spacedata[s3]' (or [publish])."
                ) from None
            except ValueError as exc:
                raise SnapshotError(f"{self.shown}: {config.redact(str(exc))}") from None
            self.root = root.rstrip("/")

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.session is not None:
            self.session.close()

    # -- files ------------------------------------------------------------------------------

    def read(self, rel: str, limit: int) -> bytes:
        """The bytes of ``rel``, at most ``limit`` (more is an error); one-line errors."""
        shown = f"{self.shown}/{rel}"
        if self.session is not None:
            data = self._http(rel, shown, limit)
        else:
            try:
                with self.fs.open(f"{self.root}/{rel}", "rb") as f:
                    data = f.read(limit + 1)
            except FileNotFoundError:
                raise SnapshotError(f"{shown}: is missing. {_AGAIN}") from None
            except Exception as exc:  # noqa: BLE001 - any backend's failure: one line
                why = config.redact(" ".join(str(exc).split()))[:200] or type(exc).__name__
                raise SnapshotError(f"{shown}: could not be read ({why}).") from None
        if len(data) > limit:
            raise SnapshotError(f"{shown}: is larger than {limit:,} bytes; refused.")
        return data

    def _http(self, rel: str, shown: str, limit: int) -> bytes:
        import requests
        from requests_cache import DO_NOT_CACHE

        from ._wire import TooLarge, _Refused
        from .transport import OffOriginRedirect

        url = self.base + rel
        self.session.get_adapter(url).max_bytes = min(limit, self.max_bytes)
        try:
            resp = self.session.get(url, timeout=self.session.timeout, expire_after=DO_NOT_CACHE)
        except TooLarge:
            raise SnapshotError(f"{shown}: is larger than {limit:,} bytes; refused.") from None
        except OffOriginRedirect:
            raise SnapshotError(
                f"{shown}: the server redirected to another host, scheme or port: refused, never "
                "followed (credentials go nowhere else). Publish where the files are served "
                "directly (a pages site, a bucket's web endpoint)."
            ) from None
        except _Refused as exc:
            raise SnapshotError(f"{shown}: refused ({config.redact(exc.message)})") from None
        except requests.Timeout:
            raise SnapshotError(
                f"{shown}: timed out (no whole answer within the {self.deadline:g} s deadline, "
                "SPACEDATA_HTTP_DEADLINE); the server is slow or stalled. Try again later."
            ) from None
        except requests.RequestException as exc:
            raise SnapshotError(
                f"{shown}: could not be reached ({type(exc).__name__}). Check the URL and the "
                "network."
            ) from None
        if resp.status_code == 404:
            raise SnapshotError(f"{shown}: is missing (HTTP 404). {_AGAIN}")
        if resp.status_code != 200:
            raise SnapshotError(f"{shown}: the server answered HTTP {resp.status_code}.")
        return resp.content

    # -- a release --------------------------------------------------------------------------

    def latest(self) -> Release:
        saved = self.local / LATEST
        shown = f"{self.shown}/{LATEST}"
        if config.offline():
            if not saved.is_file():
                raise SnapshotError(
                    f"{shown}: offline mode is on (SPACEDATA_OFFLINE) and this release was never "
                    "read here; go online once, or use a local snapshot."
                )
            raw = saved.read_bytes()
        else:
            raw = self.read(LATEST, MAX_LATEST_BYTES)
        try:
            data = json.loads(raw)
            version, sha = data["version"], data["manifest_sha256"]
            fmt, complete = data["format"], data["complete"]
        except (ValueError, KeyError, TypeError):
            raise SnapshotError(
                f"{shown}: is not a spacedata latest.json (version, manifest_sha256). {_AGAIN}"
            ) from None
        if fmt != LATEST_FORMAT:
            raise SnapshotError(
                f"{shown}: format {fmt!r} is not one this spacedata reads ({LATEST_FORMAT}); "
                "upgrade spacedata."
            )
        ok = isinstance(version, str) and VERSION.fullmatch(version)
        if not ok or not isinstance(sha, str) or not _SHA.fullmatch(sha):
            raise SnapshotError(f"{shown}: names no valid version and sha256. {_AGAIN}")
        if not config.offline():
            self.local.mkdir(parents=True, exist_ok=True)
            _write(saved, raw)
        return Release(self.shown, version, sha, complete is True)

    def download(self, release: Release, where: Path) -> None:
        """Read every file of ``release``, verify it, and keep it at ``where`` (renamed into
        place whole)."""
        v = release.version
        raw = self.read(f"{v}/{MANIFEST}", MAX_MANIFEST_BYTES)
        if hashlib.sha256(raw).hexdigest() != release.manifest_sha256:
            raise SnapshotError(
                f"{self.shown}/{v}/{MANIFEST}: does not match the sha256 in {LATEST}; the file "
                f"was changed or damaged. {_AGAIN}"
            )
        manifest = Manifest.from_json(raw, f"{self.shown}/{v}/{MANIFEST}")
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{v}.", dir=where.parent))
        try:
            for entry in manifest.pages:
                body = self.read(f"{v}/{entry.file}", min(entry.bytes, MAX_PAGE_BYTES))
                if len(body) != entry.bytes or hashlib.sha256(body).hexdigest() != entry.sha256:
                    raise SnapshotError(
                        f"{self.shown}/{v}/{entry.file}: does not match its size and sha256 in "
                        f"{MANIFEST}; the file was changed or damaged. {_AGAIN}"
                    )
                _write(tmp.joinpath(*entry.file.split("/")), body)
            _write(tmp / MANIFEST, raw)
            try:
                os.rename(tmp, where)
            except OSError:
                if not (where / MANIFEST).is_file():  # not another reader's copy
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


__all__ = [
    "PublishedSnapshot",
    "Release",
    "is_url",
    "latest",
    "read_published",
    "release_loader",
]
