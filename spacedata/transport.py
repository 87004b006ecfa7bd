"""HTTP to LL2, in one session class: :class:`LL2Session`.

It composes requests-cache's :class:`~requests_cache.CacheMixin` with a :class:`requests.Session`
that holds spacedata's policy (as FastF1's ``req.py`` composes its rate limiter), by
subclassing, never by patching objects at run time. Layer by layer, from the top:

* **Cache** (``CacheMixin`` over :class:`_Cache`, a SQLite backend): cache hits cost no quota.
  Only 200 JSON answers are kept. A cache that cannot be written (read-only, disk full) is
  reported once (:class:`~spacedata.errors.CacheWarning`) and the session goes on without it;
  a corrupt file is set aside and rebuilt. Before anything is stored, the ``Authorization``
  headers of the request *and of every redirect in its history* are removed (requests-cache
  redacts only the last request's).
* **Redirect policy** (:class:`_PolicySession`): a redirect to another scheme, host or port is
  refused (:class:`OffOriginRedirect`), never followed; on the API's origin at most
  :data:`MAX_REDIRECTS` are followed, and the final URL is the response's ``url``.
* **Adapter** (``_Adapter``, in :mod:`spacedata._wire` with the bounded decoder and the
  failures it raises): the only place that adds ``Authorization`` (token, or basic auth from a
  ``user:pass@`` base URL), to a copy of the request sent to the API's origin, so no request
  object above it (the ones the cache keeps) ever carries it. It reads each body itself with an
  overall deadline, decodes ``gzip`` and ``deflate`` (the encodings it advertises) in bounded
  steps, and refuses an answer whose *decoded* size passes the bound
  (``SPACEDATA_HTTP_MAX_BYTES``): a compression bomb stops after one step past the bound.
  Below it, urllib3's ``Retry`` retries transient faults (5xx, resets) with exponential
  backoff; a 429 is never retried or slept out here.

This module holds the session, its cache, its redirect policy, the error wording of
:meth:`LL2Session.fetch` and the validated waits.

:meth:`LL2Session.fetch` turns every failure into one of spacedata's errors with one clear
line (what happened, what to do); :func:`retry_after` reads how long a 429 says to wait,
validated and capped from every source (header seconds, HTTP-date, DRF's ``detail`` text).
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests_cache import CacheMixin
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache
from urllib3.util.retry import Retry

from . import _pages, config
from ._wire import (
    _AUTH_HEADERS,
    ACCEPT_ENCODING,
    DeadlineExceeded,
    _Adapter,
    _auth_header,
    _Refused,
    origin_of,
)
from .errors import ApiError, AuthError, CacheWarning, NetworkError, NotCachedError, RateLimitError

log = logging.getLogger("spacedata")

CACHE_FILE = "http_cache.sqlite"
DEFAULT_EXPIRY = timedelta(hours=12)
#: Seconds one request may take in all (connect, retries, redirects and the whole body).
DEFAULT_DEADLINE = 60.0
#: Seconds of the first retry wait; later waits double.
DEFAULT_BACKOFF = 0.5
#: Bytes an answer may have, decoded, by default (``SPACEDATA_HTTP_MAX_BYTES``). LL2's largest
#: pages (100 flights, each embedding a spacecraft and a launch) are about 1 MB.
DEFAULT_MAX_BYTES = 32_000_000
#: Redirects followed on the API's origin before giving up.
MAX_REDIRECTS = 5
#: The longest wait any answer can ask for (seconds); longer ones are capped to it.
MAX_WAIT_S = 24 * 3600.0
_DETAIL_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*seconds?")


# ------------------------------------------------------------------------- failures, inside


class OffOriginRedirect(_Refused):
    """A redirect to another scheme, host or port than the API's."""


# ------------------------------------------------------------------------------- the cache


class _Cache(SQLiteCache):
    """The SQLite cache: never stores credentials; a failed write is reported once, then the
    cache is left alone (``writable`` is False) and the session goes on without it."""

    def __init__(self, path: Path, on_unwritable: Callable[[BaseException], None], **kwargs):
        super().__init__(str(path), **kwargs)
        self.writable = True
        self._on_unwritable = on_unwritable

    def save_response(self, response: Any, cache_key: str | None = None, expires: Any = None):
        if not self.writable:
            return
        scrub_credentials(response)
        key = cache_key or self.create_key(response.request)
        try:
            super().save_response(response, key, expires)
            # SQLite can drop a write on a full disk without raising: read the key back.
            if key not in self.responses:
                raise OSError("a page written to it could not be read back; disk full?")
        except (sqlite3.Error, OSError) as exc:
            self.writable = False
            self._on_unwritable(exc)


class _MemoryCache(BaseCache):
    """The cache used when the SQLite file cannot be opened: this process only."""

    writable = False  # nothing survives the process: a stopped sync cannot resume from it

    def save_response(self, response: Any, cache_key: str | None = None, expires: Any = None):
        scrub_credentials(response)
        super().save_response(response, cache_key, expires)


def scrub_credentials(response: Any) -> None:
    """Remove credential headers from ``response``'s request and those of its redirects."""
    for r in (response, *(getattr(response, "history", None) or ())):
        request = getattr(r, "request", None)
        headers = getattr(request, "headers", None)
        if headers is not None:
            for name in _AUTH_HEADERS:
                headers.pop(name, None)


# ----------------------------------------------------------------------------- the session


class _PolicySession(requests.Session):
    """requests' session with spacedata's redirect policy: the API's origin only, a few hops."""

    origin: tuple[str, str, int]

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        absolute = urljoin(resp.url, target)
        if origin_of(absolute) != self.origin:
            frm, to = config.redact(resp.url), config.redact(absolute)
            raise OffOriginRedirect(
                f"LL2 answered with a redirect (HTTP {resp.status_code}) from {frm} to {to}, "
                "another scheme, host or port: refused, never followed (the API key goes "
                "nowhere else). If the API moved, set SPACEDATA_BASE_URL (or --base-url) to "
                "its new root."
            )
        return target


class LL2Session(CacheMixin, _PolicySession):
    """The one HTTP session of an :class:`spacedata.client.LL2Client` (see the module doc).

    Args:
        base_url: the API root, without credentials (``config.split_credentials``).
        cache_path: the SQLite file.
        expire_after: how long a cached answer is fresh.
        offline: answer from the cache only; expired answers are then served.
        token: the API key (``Authorization: Token <key>``), or None.
        basic_auth: (user, password) from the base URL, used when there is no token.
        timeout: (connect, read) seconds for each socket operation.
        deadline: seconds one request may take in all.
        max_bytes: the size bound of a decoded answer.
        retries, backoff_factor: urllib3's retries of transient faults.
    """

    def __init__(
        self,
        base_url: str,
        *,
        cache_path: Path,
        expire_after: timedelta | int = DEFAULT_EXPIRY,
        offline: bool = False,
        token: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retries: int = 3,
        backoff_factor: float = DEFAULT_BACKOFF,
    ):
        self.base_url, self.cache_path, self.offline = base_url, cache_path, offline
        self.timeout, self.deadline, self.max_bytes = timeout, deadline, max_bytes
        self.has_token, self.has_basic = bool(token), bool(basic_auth) and not token
        super().__init__(
            backend=self._open_cache(),
            expire_after=expire_after,
            # Online, an error is an error (a 429 must not be answered with expired pages);
            # offline, expired pages are served and marked stale.
            stale_if_error=offline,
            allowable_codes=(200,),
            # Only JSON answers are worth keeping: an HTML error page with status 200 is not.
            filter_fn=lambda r: "json" in r.headers.get("Content-Type", ""),
        )
        self.origin = origin_of(base_url)
        self.max_redirects = MAX_REDIRECTS
        self.retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            redirect=0,  # redirects are the session's (policy above), never urllib3's
            backoff_factor=backoff_factor,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            # urllib3 would otherwise sleep out a 429's Retry-After (up to an hour) in silence.
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self._started = time.monotonic()
        adapter = self._adapter = _Adapter(
            self.origin,
            _auth_header(token, basic_auth),
            deadline,
            lambda: self._started,
            max_bytes,
            max_retries=self.retry,
        )
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.headers["Accept"] = "application/json"
        self.headers["Accept-Encoding"] = ACCEPT_ENCODING
        self.headers["User-Agent"] = "spacedata (+https://pypi.org/project/spacedata/)"

    def __repr__(self) -> str:  # never shows the key or credentials
        return f"LL2Session({self.base_url!r}, cache={str(self.cache_path)!r})"

    @property
    def cache_writable(self) -> bool:
        return bool(getattr(self.cache, "writable", False))

    def probe_first(self, seconds: float) -> None:
        """Until a whole answer comes from the network, give each request at most ``seconds``
        in all (name lookup, connect, the whole body) and no retries: a caller with somewhere
        else to turn (``source="auto"``) learns within that that LL2 cannot be reached."""
        self._adapter.probe = seconds

    # -- the cache file ---------------------------------------------------------------------

    def _open_cache(self) -> BaseCache:
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            try:  # a corrupt SQLite file fails on open or on the first query, so ask one now
                cache = _Cache(self.cache_path, self._unwritable)
                cache.responses.count()
            except sqlite3.DatabaseError as exc:
                if "unable to open" in str(exc) or "readonly" in str(exc):
                    raise OSError(str(exc)) from None
                aside = self.cache_path.with_name(
                    f"{self.cache_path.name}.corrupt-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}"
                )
                self.cache_path.rename(aside)
                warnings.warn(
                    f"The HTTP cache {self.cache_path} was unreadable ({exc}); it was moved to "
                    f"{aside.name} and a new, empty cache was started.",
                    CacheWarning,
                    stacklevel=5,
                )
                cache = _Cache(self.cache_path, self._unwritable)
        except OSError as exc:
            self._unwritable(exc)
            cache = _MemoryCache()
        return cache

    def _unwritable(self, exc: BaseException) -> None:
        warnings.warn(
            f"The HTTP cache {self.cache_path} cannot be written ({exc}); going on without it. "
            "Pages are not kept, so a sync stopped by the rate limit (429) will not resume from "
            "the cache and will pay for every page again. Free disk space or set "
            "SPACEDATA_CACHE_DIR to a writable directory.",
            CacheWarning,
            stacklevel=5,
        )

    # -- one request ------------------------------------------------------------------------

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # noqa: ANN201
        self._started = time.monotonic()  # one deadline for the request, redirects included
        return super().request(method, url, *args, **kwargs)

    def fetch(
        self,
        url: str,
        params: dict[str, str] | None = None,
        *,
        what: str,
        refresh: bool = False,
        cache: bool = True,
        after: str | None = None,
    ) -> tuple[requests.Response, Any]:
        """GET ``url`` (through the cache unless ``cache`` is False) and return the response
        and its JSON. ``what`` names the request in messages (``page offset=99 after 1
        page(s) of /spacecraft/``), ``after`` where a rate limit stopped it (``after 1
        page(s) of /spacecraft/``; default ``what``).

        Raises:
            RateLimitError: a 429; ``retry_after`` is validated and capped (:func:`retry_after`).
            AuthError: a 401 or 403 (the key, the credentials, or a permission).
            ApiError: any other answer that is not a 200 JSON body within the size bound,
                or a redirect refused; never kept in the cache.
            NetworkError: LL2 could not be reached, or timed out.
            NotCachedError: offline and not in the cache.
        """
        kwargs: dict[str, Any] = {"force_refresh": refresh}
        if not cache:
            from requests_cache import DO_NOT_CACHE

            kwargs = {"expire_after": DO_NOT_CACHE}
        resp = self._get(url, params, **kwargs)
        oversized = len(resp.content or b"") > self.max_bytes
        if oversized and getattr(resp, "from_cache", False) and not self.offline:
            self.forget(resp)  # kept by an earlier version without a bound: ask again
            resp = self._get(url, params, force_refresh=True)
        if resp.status_code == 504 and self.offline:  # requests-cache's answer to a cache miss
            raise NotCachedError(
                f"Offline mode is on and {what} is not in the cache ({self.cache_path}). Go "
                "online once, or use a snapshot."
            )
        if resp.status_code == 429:
            raise _rate_limited(resp, after or f"on {what}")
        try:
            return resp, self._json(resp, what)
        except ApiError:
            self.forget(resp)  # never keep an unusable answer in the cache
            raise

    def _get(self, url: str, params: dict | None, **kwargs: Any) -> requests.Response:
        try:
            return self.get(
                url, params=params, timeout=self.timeout, only_if_cached=self.offline, **kwargs
            )
        except _Refused as exc:
            raise ApiError(exc.message) from None
        except requests.TooManyRedirects:
            raise ApiError(
                f"LL2 redirected more than {MAX_REDIRECTS} times from {config.redact(url)} "
                "(a redirect loop); nothing was kept. Try again later, or check "
                "SPACEDATA_BASE_URL."
            ) from None
        except requests.RequestException as exc:
            where = _host_port(url)
            why = network_reason(exc)
            if why == "timed out":
                detail = (
                    str(exc).removeprefix("timed out: ")
                    if isinstance(exc, DeadlineExceeded)
                    else f"no answer within the {self.timeout[1]:g} s read timeout, after retries"
                )
                err = NetworkError(
                    f"LL2 at {where} timed out ({detail}). The server is slow or stalled; try "
                    "again later, or stay off the network (`spacedata info --source local`; "
                    'Python: source="local").'
                )
            else:
                err = NetworkError(
                    f"Could not reach LL2 at {where} ({why}; {type(exc).__name__}). Check the "
                    "network or SPACEDATA_BASE_URL, or stay off the network (`spacedata info "
                    '--source local`; Python: source="local").'
                )
            err.reason = why
            raise err from None

    def _json(self, resp: requests.Response, what: str) -> Any:
        ctype = resp.headers.get("Content-Type", "")
        if resp.status_code in (401, 403):
            raise AuthError(self._refused(resp, what))
        if resp.status_code != 200 or "json" not in ctype:
            snippet = " ".join(resp.text[:120].split())
            if 400 <= resp.status_code < 500:
                advice = (
                    "Check SPACEDATA_BASE_URL (the API root, e.g. "
                    f"{config.PRODUCTION_URL}) and the parameters."
                )
            else:
                advice = "Transient errors were already retried; try again later."
            raise ApiError(
                f"LL2 answered {what} with HTTP {resp.status_code} "
                f"({ctype or 'no content type'}): {snippet!r}. {advice}"
            )
        try:
            return _pages.parse(resp.content)
        except _pages.JSONDecodeError as exc:
            raise ApiError(
                f"LL2 answered {what} with invalid JSON ({exc.msg} at byte {exc.pos} of "
                f"{len(resp.content)}; truncated?). It was not kept in the cache; try again."
            ) from None

    def _refused(self, resp: requests.Response, what: str) -> str:
        status = resp.status_code
        try:
            detail = str(_pages.parse(resp.content).get("detail", ""))[:120]
        except (_pages.JSONDecodeError, AttributeError):
            detail = ""
        said = f"HTTP {status}" + (f": {detail!r}" if detail else "")
        if self.has_token:
            return (
                f"LL2 refused the key ({said}) on {what}: check SPACEDATA_API_TOKEN (a wrong, "
                "expired or revoked key, or one without access to this endpoint); unset it to "
                "use the free quota. Nothing was replaced."
            )
        if self.has_basic:
            return (
                f"LL2 refused the credentials in the base URL ({said}) on {what}: check the "
                "user and password in SPACEDATA_BASE_URL (or --base-url). Nothing was replaced."
            )
        return (
            f"LL2 refused the request ({said}) on {what}: it wants an API key; set "
            "SPACEDATA_API_TOKEN to yours. Nothing was replaced."
        )

    # -- cache entries ----------------------------------------------------------------------

    def cache_key(self, url: str, params: dict[str, str]) -> str:
        prepared = self.prepare_request(requests.Request("GET", url, params=params))
        return self.cache.create_key(prepared)

    def is_cached(self, url: str, params: dict[str, str]) -> bool:
        """True when the answer is in the cache and fresh (asking for it costs nothing)."""
        if not self.cache_writable:
            return False
        try:
            cached = self.cache.get_response(self.cache_key(url, params))
        except (sqlite3.Error, OSError):
            return False
        return cached is not None and not cached.is_expired

    def forget(self, resp: requests.Response) -> None:
        key = getattr(resp, "cache_key", None)
        if key:
            self.cache.delete(key)

    def forget_url(self, url: str, params: dict[str, str]) -> None:
        self.cache.delete(self.cache_key(url, params))


# ----------------------------------------------------------------------------------- waits


def retry_after(resp: requests.Response) -> tuple[float | None, float | None]:
    """(seconds to wait, seconds asked) for a 429: from ``Retry-After`` (seconds or an
    HTTP-date), else DRF's ``detail`` text ("Expected available in 1234 seconds."). The wait is
    None when nothing usable was said; a negative, infinite or unparseable value is ignored,
    one past :data:`MAX_WAIT_S` is capped to it."""
    asked = _header_seconds(resp.headers.get("Retry-After", ""))
    if asked is None:
        try:
            match = _DETAIL_SECONDS.search(str(_pages.parse(resp.content).get("detail", "")))
        except (_pages.JSONDecodeError, AttributeError):
            match = None
        asked = float(match.group(1)) if match else None
    return sane_wait(asked), asked


def sane_wait(seconds: float | None) -> float | None:
    """``seconds`` as a wait: None unless finite and >= 0; at most :data:`MAX_WAIT_S`."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return min(float(seconds), MAX_WAIT_S)


def _header_seconds(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _rate_limited(resp: requests.Response, what: str) -> RateLimitError:
    wait, asked = retry_after(resp)
    if wait:
        when = f"in {wait:.0f} s (about {math.ceil(wait / 60)} min)"
        if asked is not None and asked > wait:
            when += f"; LL2 asked to wait {asked:.0f} s, capped to {MAX_WAIT_S / 3600:g} h"
    else:
        when = "later"
    return RateLimitError(
        f"LL2's rate limit was reached {what}; try again {when}. Pages already fetched are "
        "cached and will not be requested again. An API key (SPACEDATA_API_TOKEN) raises the "
        "limit above 15 calls/hour.",
        retry_after=wait,
        asked=asked,
    )


# ------------------------------------------------------------------------------------ bits


def network_reason(exc: BaseException) -> str:
    """Why a request never got an answer, in a few words: ``timed out``, ``name not found``,
    ``connection refused``, ``connection reset`` or ``unreachable``."""
    text = str(exc).lower()
    if isinstance(exc, requests.Timeout) or "timed out" in text or "timeout" in text:
        return "timed out"
    if any(
        s in text
        for s in ("nameresolution", "name or service not known", "getaddrinfo", "nodename nor")
    ) or ("name resolution" in text):
        return "name not found"
    if "refused" in text:
        return "connection refused"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text:
        return "connection reset"
    return "unreachable"


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}"
