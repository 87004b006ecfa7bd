"""Settings read from the environment, in one place.

Environment variables:
    SPACEDATA_BASE_URL   API root, default ``https://ll.thespacedevs.com/2.3.0/``.
    SPACEDATA_API_TOKEN  LL2 API key, sent as ``Authorization: Token <key>``; never stored.
    SPACEDATA_CACHE_DIR  where the HTTP cache (SQLite) lives; default: the user cache dir.
    SPACEDATA_DATA_DIR   where ``spacedata fetch`` keeps its snapshot; default: the user data dir.
    SPACEDATA_SNAPSHOT   a snapshot directory to use instead of the default source.
    SPACEDATA_OFFLINE    "1" to answer from the HTTP cache only, never the network.
    SPACEDATA_DASHBOARD_SOURCE  the dashboard's source: "bundled" (default) or "live"/"auto".
    SPACEDATA_REFRESH    the dashboard's refresh period for live data ("6h" default, "off").
"""

from __future__ import annotations

import os
from pathlib import Path

PRODUCTION_URL = "https://ll.thespacedevs.com/2.3.0/"
DEVELOPMENT_URL = "https://lldev.thespacedevs.com/2.3.0/"
CREDIT = "Launch Library 2 by The Space Devs"


def base_url(override: str | None = None) -> str:
    """The API root, always ending in ``/``."""
    url = override or os.environ.get("SPACEDATA_BASE_URL") or PRODUCTION_URL
    return url if url.endswith("/") else url + "/"


def api_token() -> str | None:
    """The API key from ``SPACEDATA_API_TOKEN``, or None."""
    return os.environ.get("SPACEDATA_API_TOKEN", "").strip() or None


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """Directory of the HTTP cache."""
    if override or os.environ.get("SPACEDATA_CACHE_DIR"):
        return Path(override or os.environ["SPACEDATA_CACHE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("spacedata"))


def data_dir() -> Path:
    """Directory where fetched snapshots are kept by default."""
    if os.environ.get("SPACEDATA_DATA_DIR"):
        return Path(os.environ["SPACEDATA_DATA_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("spacedata"))


def snapshot_override() -> Path | None:
    """The snapshot directory named by ``SPACEDATA_SNAPSHOT``, or None."""
    value = os.environ.get("SPACEDATA_SNAPSHOT", "").strip()
    return Path(value).expanduser() if value else None


def offline() -> bool:
    """True when ``SPACEDATA_OFFLINE`` asks for cache-only HTTP."""
    return os.environ.get("SPACEDATA_OFFLINE", "").strip().lower() in {"1", "true", "yes"}


def dashboard_source() -> str:
    """The dashboard's source when no snapshot is named: ``bundled`` unless set."""
    return os.environ.get("SPACEDATA_DASHBOARD_SOURCE", "").strip() or "bundled"


def refresh_period(default: str | None) -> str | None:
    """The dashboard's refresh period (``SPACEDATA_REFRESH``, e.g. ``6h``), else ``default``."""
    return os.environ.get("SPACEDATA_REFRESH", "").strip() or default
