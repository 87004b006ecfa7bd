"""Writing snapshots: a new version of a store, verified, then switched atomically.

``write_snapshot(result, OUT)`` adds the pages and manifest of a sync to the store ``OUT`` (the
layout is in :mod:`spacedata.snapshot`, which reads it). A write takes the lock, writes the new
version under a temporary name, fsyncs it, reads it back to verify it (through
:func:`spacedata.snapshot.read_snapshot`), renames it into place and then switches ``CURRENT``
with one ``os.replace``. It keeps the version it replaced (a reader may still be reading it)
and deletes older ones, and what killed writes left behind. So readers never see a
half-written snapshot, and a kill at any instant leaves the previous one loadable.
:func:`write_endpoints` is the low-level writer (``layout="flat"`` for shipped data such as
``data/bundled``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import filelock

from .errors import SnapshotError
from .manifest import MANIFEST, PRIMARY, Manifest
from .snapshot import (
    _ENDPOINT_DIR,
    _VERSION,
    CURRENT,
    VERSIONS,
    Snapshot,
    _current_name,
    _read_dir,
)

__all__ = ["partial_path", "write_endpoints", "write_snapshot"]

log = logging.getLogger("spacedata")

LOCK = ".lock"


#: How long a writer waits for another writer of the same snapshot (seconds).
LOCK_TIMEOUT_S = 300.0


_TMP_VERSION = ".tmp-"  # versions/.tmp-<pid>-<hex>: a version being written


_TMP_CURRENT = re.compile(r"\.CURRENT\..*\.tmp")  # OUT/.CURRENT.<pid>-<hex>.tmp


_FLAT_PAGE = re.compile(r"\d{4}\.json")


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
