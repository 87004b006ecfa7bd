"""Values shared by the sessions of one server process: :class:`SharedCache`, a bounded,
thread-safe LRU that builds a missing value once however many threads ask for it;
:data:`AGGREGATES`, the one the dashboard keeps its per-filter-state aggregates in; and
:func:`data_version`, the number that tells one frame object from another (a refresh's new
frame gets a new one, so old entries are never served for it and age out). Nothing here knows
filters or frames' columns. Everything cached is shared: treat it as read-only.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd


class SharedCache:
    """A bounded, thread-safe LRU of values shared by sessions (``maxsize`` entries).

    :meth:`get` builds a missing value once, even when several threads ask for it at the same
    time (the others wait for it); :attr:`builds` counts the builds per kind (the last element
    of the key), for tests and benchmarks.
    """

    def __init__(self, maxsize: int = 256):
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self.builds: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()

    def get(self, key: tuple, build: Callable[[], Any]) -> Any:
        kind = key[-1]
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits[kind] += 1
                return self._entries[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._entries:  # another thread built it while this one waited
                    self._entries.move_to_end(key)
                    self.hits[kind] += 1
                    return self._entries[key]
            try:
                value = build()
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)
                raise
            with self._lock:
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
                self._building.pop(key, None)
                self.builds[kind] += 1
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.builds.clear()
            self.hits.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: Aggregates per (data version, filter state, kind), shared by the sessions of a process.
AGGREGATES = SharedCache(256)

_versions: dict[int, tuple[weakref.ref, int]] = {}
_versions_lock = threading.Lock()
_next_version = itertools.count(1)


def data_version(frame: pd.DataFrame) -> int:
    """A number for this frame object, never reused by another frame in this process (a
    refresh's new frame gets a new one). Frames are shared read-only, so the object is the
    version; a frame changed in place after it was shown would need a new object."""
    key = id(frame)
    with _versions_lock:
        entry = _versions.get(key)
        if entry is not None and entry[0]() is frame:
            return entry[1]
        version = next(_next_version)

        def forget(_ref, key=key, version=version):
            entry = _versions.get(key)
            if entry is not None and entry[1] == version:
                _versions.pop(key, None)

        _versions[key] = (weakref.ref(frame, forget), version)
        return version
