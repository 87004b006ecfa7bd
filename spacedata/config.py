"""Settings read from the environment, in one place.

Environment variables:
    SPACEDATA_BASE_URL   API root, default ``https://ll.thespacedevs.com/2.3.0/``.
    SPACEDATA_API_TOKEN  LL2 API key, sent as ``Authorization: Token <key>``; never stored.
    SPACEDATA_CACHE_DIR  where the HTTP cache (SQLite) lives; default: the user cache dir.
    SPACEDATA_DATA_DIR   where ``spacedata fetch`` keeps its snapshot; default: the user data dir.
    SPACEDATA_SNAPSHOT   a snapshot directory (or a published directory's URL) to use instead
                         of the default source.
    SPACEDATA_OFFLINE    "1" to answer from the HTTP cache only, never the network.
    SPACEDATA_HTTP_DEADLINE  seconds one request may take in all (default 60).
    SPACEDATA_HTTP_BACKOFF   seconds of the first retry wait; later waits double (default 0.5).
    SPACEDATA_HTTP_MAX_BYTES the largest answer taken, decoded (default 32000000: 32 MB).
    SPACEDATA_DASHBOARD_SOURCE  the dashboard's source: "best" (default: the latest snapshot,
                         else a fresh sync if LL2 answers fast, else the bundled sample),
                         "bundled", "local", "live" or "auto".
    SPACEDATA_REFRESH    the dashboard's refresh period for live data ("6h" default, "off").
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

PRODUCTION_URL = "https://ll.thespacedevs.com/2.3.0/"
DEVELOPMENT_URL = "https://lldev.thespacedevs.com/2.3.0/"
CREDIT = "Launch Library 2 by The Space Devs"


def base_url(override: str | None = None) -> str:
    """The API root, always ending in ``/``."""
    url = override or os.environ.get("SPACEDATA_BASE_URL") or PRODUCTION_URL
    return url if url.endswith("/") else url + "/"


_USERINFO = re.compile(r"(?<=//)[^/@\s]*@")


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``http://user:pass@host/x`` -> (``http://host/x``, (user, pass)); others unchanged."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), (unquote(user), unquote(password))


def redact(text: str) -> str:
    """``text`` with any ``user:pass@`` in URLs replaced by ``***@``: safe to store or print."""
    return _USERINFO.sub("***@", text)


def api_token() -> str | None:
    """The API key from ``SPACEDATA_API_TOKEN`` (surrounding whitespace and line ends, as an
    editor on Windows leaves them, trimmed), or None.

    Raises:
        ValueError: the key holds a control character (a carriage return, a newline...) or a
            space: it could not be sent as a header. The message never shows the key.
    """
    value = os.environ.get("SPACEDATA_API_TOKEN", "").strip()
    return check_token(value, "SPACEDATA_API_TOKEN") if value else None


_CONTROL_NAMES = {"\r": "a carriage return (CR)", "\n": "a newline", "\t": "a tab"}


def check_token(token: str, where: str) -> str:
    """``token`` if it can be sent as ``Authorization: Token <key>``; else ValueError naming
    ``where`` and what is wrong, never the key itself."""
    for i, ch in enumerate(token):
        if not ("!" <= ch <= "~"):
            what = _CONTROL_NAMES.get(ch) or (
                "a space" if ch == " " else f"the character U+{ord(ch):04X}"
            )
            raise ValueError(
                f"{where} holds {what} at position {i + 1} of {len(token)}, so it cannot be sent "
                "as the API key; set it to the key alone, e.g. with `export "
                "SPACEDATA_API_TOKEN=...` (a file saved with Windows line ends adds a CR)."
            )
    return token


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


def snapshot_override() -> Path | str | None:
    """The snapshot directory named by ``SPACEDATA_SNAPSHOT`` (a published directory's URL
    stays a string: ``https://...``, ``s3://...``), or None."""
    value = os.environ.get("SPACEDATA_SNAPSHOT", "").strip()
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", value):
        return value
    return Path(value).expanduser() if value else None


def offline() -> bool:
    """True when ``SPACEDATA_OFFLINE`` asks for cache-only HTTP."""
    return os.environ.get("SPACEDATA_OFFLINE", "").strip().lower() in {"1", "true", "yes"}


def http_deadline(default: float) -> float:
    """Seconds one request may take in all (``SPACEDATA_HTTP_DEADLINE``), else ``default``."""
    return _seconds("SPACEDATA_HTTP_DEADLINE", default)


def http_backoff(default: float) -> float:
    """Seconds of the first retry wait (``SPACEDATA_HTTP_BACKOFF``), else ``default``."""
    return _seconds("SPACEDATA_HTTP_BACKOFF", default)


def http_max_bytes(default: int = 32_000_000) -> int:
    """The largest answer the client takes, decoded (``SPACEDATA_HTTP_MAX_BYTES``, in bytes),
    else ``default`` (32 MB)."""
    value = os.environ.get("SPACEDATA_HTTP_MAX_BYTES", "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not 1024 <= int(value) <= 2**40:
        raise ValueError(
            f"SPACEDATA_HTTP_MAX_BYTES={value!r}: give a number of bytes (at least 1024), e.g. "
            f"{default}."
        )
    return int(value)


def _seconds(var: str, default: float) -> float:
    value = os.environ.get(var, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86400:
        raise ValueError(f"{var}={value!r}: give a number of seconds, e.g. {default:g}.")
    return seconds


def dashboard_source() -> str:
    """The dashboard's source when no snapshot is named: ``best`` unless set (see
    :func:`spacedata.dashboard.data.loader_from_env`)."""
    return os.environ.get("SPACEDATA_DASHBOARD_SOURCE", "").strip() or "best"


def refresh_period(default: str | None) -> str | None:
    """The dashboard's refresh period (``SPACEDATA_REFRESH``, e.g. ``6h``), else ``default``."""
    return os.environ.get("SPACEDATA_REFRESH", "").strip() or default
