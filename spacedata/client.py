"""HTTP access to LL2, in one place: a cached session, paging any list endpoint, quota,
retries and deadlines.

Everything here returns raw pages; turning them into tables is :mod:`spacedata.tidy`'s job.
What differs between endpoints (path, filters, orderings, page size) is declared in
:mod:`spacedata.endpoints`; the paging below is the same for all of them.

* One :class:`requests_cache.CachedSession` (SQLite in :func:`spacedata.config.cache_dir`).
  Cache hits cost no quota, so a sync stopped by a 429 or by the quota resumes from the cache:
  pages already fetched are not requested again. A cache that cannot be written is reported
  once (:class:`~spacedata.errors.CacheWarning`) and the sync goes on without it.
* Transient faults (5xx, resets, timeouts) are retried by urllib3's ``Retry`` with exponential
  backoff. Every request has a per-read timeout *and* an overall deadline, so a server that
  drips one byte at a time still fails, with a message that says "timed out".
* A 429 is never retried blindly and never answered with expired cache pages: it becomes a
  :class:`~spacedata.errors.RateLimitError` that says how long to wait. Only offline mode
  serves expired pages, with a :class:`~spacedata.errors.StaleDataWarning`, and the result is
  marked ``stale_since``.
* Pages overlap by one record (offsets 0, 99, 198, ... at ``limit=100``) and each overlap is
  checked, so records that move while a sync runs (additions and removals, even when they
  balance and ``count`` stays the same) are detected and the pages involved re-read.
  ``complete`` is claimed only when every overlap held and the records equal ``count``.
* :class:`Sync` reads several endpoints with a budget of calls: :meth:`Sync.plan` reads page 1
  of each (the ``count`` probe *is* page 1, never paid twice) and says what the whole sync
  costs; :meth:`Sync.run` fetches what the budget allows and can be called again later to
  finish, from where it stopped.
* The API key is sent as ``Authorization: Token <key>``; credentials in the base URL
  (``http://user:pass@host/``) are sent as HTTP basic auth. requests-cache redacts the
  ``Authorization`` header from cache keys and stored requests, and no URL we store or print
  carries credentials.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from . import _pages, config
from . import endpoints as _endpoints
from .endpoints import MAX_LIMIT, SPACECRAFT, Endpoint
from .errors import (
    ApiError,
    CacheWarning,
    FetchError,
    NetworkError,
    NotCachedError,
    QuotaError,
    RateLimitError,
    StaleDataWarning,
)

log = logging.getLogger("spacedata")

#: Query parameters ``/spacecraft/`` documents (besides ``limit``/``offset``).
DOCUMENTED_PARAMS = SPACECRAFT.params
ORDERING_FIELDS = SPACECRAFT.orderings
#: Records the live ``/spacecraft/`` held in 2025-2026 (590-607), rounded up.
EXPECTED_RECORDS = SPACECRAFT.expected_records
DEFAULT_EXPIRY = timedelta(hours=12)
#: Seconds one request may take in all (connect, retries and the whole body), by default.
DEFAULT_DEADLINE = 60.0
#: Seconds of the first retry wait; later waits double.
DEFAULT_BACKOFF = 0.5
#: How often a sync re-reads pages after records moved before it gives up as incomplete.
MAX_REREADS = 3
CACHE_FILE = "http_cache.sqlite"
_DETAIL_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*seconds?")


@dataclass(frozen=True)
class Page:
    """One page as received: ``content`` is the raw body, ``data`` its parsed JSON."""

    url: str
    content: bytes
    data: dict = field(repr=False)
    from_cache: bool
    fetched_at: datetime  # when LL2 sent it (UTC); older than now for cache hits
    offset: int = 0
    stale_since: datetime | None = None  # set when an expired cache entry was served offline


@dataclass
class FetchResult:
    """The pages of one sync and what they add up to.

    ``complete`` is True only when every page arrived, every page overlap held, no id repeats
    and the unique records equal the endpoint's ``count``; otherwise ``problems`` says why.
    """

    endpoint: str
    params: dict[str, str]
    pages: list[Page]
    records: list[dict]  # de-duplicated by id, in page order
    count: int | None  # the endpoint's ``count`` on the last page
    complete: bool
    problems: list[str] = field(default_factory=list)
    name: str = SPACECRAFT.name  # the declared endpoint (spacedata.endpoints)

    @property
    def source(self) -> str:
        """``"live"`` if any page came from the network, else ``"cache"``."""
        return "cache" if self.pages and all(p.from_cache for p in self.pages) else "live"

    @property
    def fetched_at(self) -> datetime | None:
        """When the oldest page was sent by LL2 (UTC)."""
        return min((p.fetched_at for p in self.pages), default=None)

    @property
    def stale_since(self) -> datetime | None:
        """When the first of the pages served past their freshness expired, else None."""
        return min((p.stale_since for p in self.pages if p.stale_since), default=None)


@dataclass(frozen=True)
class Throttle:
    """``/api-throttle/``: calls allowed per ``period_s`` seconds, calls used, wait for the next."""

    limit: int
    period_s: int
    used: int
    next_use_s: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass
class SyncResult:
    """The pages of several endpoints read by one :class:`Sync`, by endpoint name.

    ``complete`` is True only when every endpoint's result is; ``paused`` says the sync stopped
    because the calls it was allowed ran out (call :meth:`Sync.run` again, later, to finish).
    """

    results: dict[str, FetchResult]
    paused: bool = False

    def __getitem__(self, name: str) -> FetchResult:
        return self.results[name]

    @property
    def complete(self) -> bool:
        return (
            bool(self.results)
            and not self.paused
            and all(r.complete for r in self.results.values())
        )

    @property
    def problems(self) -> list[str]:
        """Why it is incomplete: each endpoint's problems, prefixed by its name."""
        return [f"{name}: {p}" for name, r in self.results.items() for p in r.problems]

    @property
    def pages(self) -> list[Page]:
        return [p for r in self.results.values() for p in r.pages]

    @property
    def source(self) -> str:
        """``"live"`` if any page came from the network, else ``"cache"``."""
        pages = self.pages
        return "cache" if pages and all(p.from_cache for p in pages) else "live"

    @property
    def fetched_at(self) -> datetime | None:
        return min((r.fetched_at for r in self.results.values() if r.fetched_at), default=None)

    @property
    def stale_since(self) -> datetime | None:
        return min((r.stale_since for r in self.results.values() if r.stale_since), default=None)

    def progress(self) -> str:
        """``spacecraft complete (7 pages), spacecraft_flights 8 of about 11 pages``."""
        parts = []
        for name, r in self.results.items():
            if r.complete:
                parts.append(f"{name} complete ({len(r.pages)} pages)")
            else:
                total = f" of about {calls_for(r.count, _limit(r))}" if r.count is not None else ""
                parts.append(f"{name} {len(r.pages)}{total} pages")
        return ", ".join(parts)


@dataclass(frozen=True)
class EndpointPlan:
    """What one endpoint of a :class:`Plan` costs.

    ``pages`` is what a whole sync reads when nothing moves; ``have`` of them were read already
    in this sync (page 1, the ``count`` probe), ``cached`` more are fresh in the HTTP cache
    (free); the rest are paid calls. ``count`` is None when page 1 could not be read yet: then
    ``pages`` is an estimate from the endpoint's usual size.
    """

    name: str
    count: int | None
    pages: int
    have: int
    cached: int

    @property
    def to_pay(self) -> int:
        return max(self.pages - self.have - self.cached, 0)

    def describe(self) -> str:
        label = _endpoints.get(self.name).label
        size = f"{self.count:,} records" if self.count is not None else "size unknown yet"
        extra = f", {self.cached} cached" if self.cached else ""
        return f"{label} {size} ({'about ' if self.count is None else ''}{self.pages} pages{extra})"


@dataclass(frozen=True)
class Plan:
    """What a :class:`Sync` costs, made after reading ``/api-throttle/`` and page 1 of each
    endpoint.

    Attributes:
        endpoints: one :class:`EndpointPlan` each.
        spent: calls already paid by this sync (the page-1 probes that were not cached).
        left: calls the quota had left when the plan began; None if it was not read.
        period_s: the quota's period (seconds).
        resume_at: when the calls beyond ``left`` are expected to be available (UTC), if any
            are needed.
    """

    endpoints: tuple[EndpointPlan, ...]
    spent: int
    left: int | None
    period_s: int | None = None
    resume_at: datetime | None = None

    @property
    def calls(self) -> int:
        """Calls the whole sync needs, the probes already paid included."""
        return self.spent + sum(e.to_pay for e in self.endpoints)

    @property
    def fits(self) -> bool:
        return self.left is None or self.calls <= self.left

    def describe(self) -> str:
        """``Plan: spacecraft 603 records (7 pages), spacecraft flights 1,012 records (11 pages);
        needs 18 calls; 15 left now; the other 3 after about 14:05 UTC.``"""
        what = ", ".join(e.describe() for e in self.endpoints)
        cached = sum(e.cached for e in self.endpoints)
        needs = f"needs {self.calls} call{'s' if self.calls != 1 else ''}"
        if cached:
            needs += " (cached pages are free)"
        if self.left is None:
            return f"Plan: {what}; {needs}."
        text = f"Plan: {what}; {needs}; {self.left} left now"
        if not self.fits:
            when = f"{self.resume_at:%H:%M} UTC" if self.resume_at else "the quota period"
            text += f"; the other {self.calls - self.left} after about {when}"
        return text + "."


class LL2Client:
    """A client for LL2's list endpoints (:mod:`spacedata.endpoints`), ``/spacecraft/`` first.

    Args:
        base_url: API root; default ``SPACEDATA_BASE_URL`` or the production host. Credentials
            in it (``http://user:pass@host/``) are sent as basic auth and never stored or shown.
        token: API key; default ``SPACEDATA_API_TOKEN``. Never logged, cached or shown.
        cache_dir: HTTP cache directory; default ``SPACEDATA_CACHE_DIR`` or the user cache dir.
        expire_after: how long a cached page is fresh.
        offline: answer from the cache only (default ``SPACEDATA_OFFLINE``); expired pages are
            then served with a :class:`StaleDataWarning` and marked stale.
        timeout: (connect, read) seconds for each socket operation.
        deadline: seconds one request may take in all, retries and the whole body included;
            default ``SPACEDATA_HTTP_DEADLINE`` or 60.
        retries: retries of transient faults per request.
        backoff_factor: seconds; waits grow as ``backoff_factor * 2**n``; default
            ``SPACEDATA_HTTP_BACKOFF`` or 0.5.
        progress: show a tqdm bar; None shows it only on a terminal.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        cache_dir: str | Path | None = None,
        expire_after: timedelta | int = DEFAULT_EXPIRY,
        offline: bool | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        deadline: float | None = None,
        retries: int = 3,
        backoff_factor: float | None = None,
        progress: bool | None = None,
    ):
        self.base_url, self._basic_auth = config.split_credentials(config.base_url(base_url))
        self.endpoint = self.base_url + "spacecraft/"
        self.offline = config.offline() if offline is None else offline
        self.timeout = timeout
        self.deadline = config.http_deadline(DEFAULT_DEADLINE) if deadline is None else deadline
        if backoff_factor is None:
            backoff_factor = config.http_backoff(DEFAULT_BACKOFF)
        self.progress = progress
        self.cache_path = config.cache_dir(cache_dir) / CACHE_FILE
        self.cache_writable = True
        self._token = token if token is not None else config.api_token()
        self._retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff_factor,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            # urllib3 would otherwise sleep out a 429's Retry-After (up to an hour) in silence.
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self.session = self._open_session(expire_after)

    def __repr__(self) -> str:  # never shows the token or credentials
        key = "with API key" if self._token else "no API key"
        return f"LL2Client({self.base_url!r}, {key}, cache={str(self.cache_path)!r})"

    def __enter__(self) -> LL2Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # -- session ---------------------------------------------------------------------------

    def _open_session(self, expire_after: timedelta | int) -> requests_cache.CachedSession:
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            try:  # a corrupt SQLite file fails on open or on the first query, so ask one now
                session = self._new_session(expire_after)
                session.cache.responses.count()
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
                    stacklevel=3,
                )
                session = self._new_session(expire_after)
        except OSError as exc:
            self._cache_unwritable(exc)
            session = self._new_session(expire_after, backend="memory")
        self._guard_cache_writes(session)
        return session

    def _new_session(
        self, expire_after: timedelta | int, backend: str = "sqlite"
    ) -> requests_cache.CachedSession:
        session = requests_cache.CachedSession(
            str(self.cache_path) if backend == "sqlite" else "spacedata",
            backend=backend,
            expire_after=expire_after,
            # Online, an error is an error (a 429 must not be answered with expired pages);
            # offline, expired pages are served and marked stale (see _page).
            stale_if_error=self.offline,
            allowable_codes=(200,),
            # Only JSON pages are worth keeping: an HTML error page with status 200 is not.
            filter_fn=lambda r: "json" in r.headers.get("Content-Type", ""),
        )
        adapter = _DeadlineAdapter(self.deadline, max_retries=self._retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["Accept"] = "application/json"
        session.headers["User-Agent"] = "spacedata (+https://pypi.org/project/spacedata/)"
        if self._token:
            session.headers["Authorization"] = f"Token {self._token}"
        elif self._basic_auth:
            session.auth = self._basic_auth
        return session

    def _guard_cache_writes(self, session: requests_cache.CachedSession) -> None:
        """A cache that fails to save (disk full, read-only) warns once; the sync goes on."""
        save = session.cache.save_response

        def guarded_save(response: Any, cache_key: str | None = None, expires: Any = None) -> None:
            if not self.cache_writable:
                return
            key = cache_key or session.cache.create_key(response.request)
            try:
                save(response, key, expires)
                # SQLite can drop a write on a full disk without raising: read the key back.
                if key not in session.cache.responses:
                    raise OSError("a page written to it could not be read back; disk full?")
            except (sqlite3.Error, OSError) as exc:
                self._cache_unwritable(exc)

        session.cache.save_response = guarded_save

    def _cache_unwritable(self, exc: BaseException) -> None:
        self.cache_writable = False
        warnings.warn(
            f"The HTTP cache {self.cache_path} cannot be written ({exc}); going on without it. "
            "Pages are not kept, so a sync stopped by the rate limit (429) will not resume from "
            "the cache and will pay for every page again. Free disk space or set "
            "SPACEDATA_CACHE_DIR to a writable directory.",
            CacheWarning,
            stacklevel=4,
        )

    def _get(self, url: str, params: dict | None = None, **kwargs: Any) -> requests.Response:
        try:
            return self.session.get(
                url, params=params, timeout=self.timeout, only_if_cached=self.offline, **kwargs
            )
        except requests.RequestException as exc:
            host = urlsplit(url).hostname or "?"
            port = f":{urlsplit(url).port}" if urlsplit(url).port else ""
            if _timed_out(exc):
                raise NetworkError(
                    f"LL2 at {host}{port} timed out ({_timeout_detail(exc, self)}). The server is "
                    "slow or stalled; try again later, or use a fetched snapshot "
                    '(`spacedata info --source snapshot`; Python: source="snapshot").'
                ) from None
            raise NetworkError(
                f"Could not reach LL2 at {host}{port} after {self._retry.total} retries "
                f"({type(exc).__name__}). Check the network or SPACEDATA_BASE_URL, or use a "
                "fetched snapshot (`spacedata info --source snapshot`; Python: "
                'source="snapshot").'
            ) from None

    # -- quota -----------------------------------------------------------------------------

    def throttle(self) -> Throttle:
        """Read ``/api-throttle/`` (costs no quota; never cached)."""
        if self.offline:
            raise NotCachedError("Offline mode is on: the quota can only be read online.")
        resp = self._get(self.base_url + "api-throttle/", expire_after=requests_cache.DO_NOT_CACHE)
        data = _json_or_raise(resp, "api-throttle")
        row = data[0] if isinstance(data, list) and data else data
        try:
            return Throttle(
                limit=int(row["your_request_limit"]),
                period_s=int(row["limit_frequency_secs"]),
                used=int(row["current_use"]),
                next_use_s=int(row["next_use_secs"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(
                f"LL2's /api-throttle/ answer is not the documented shape ({exc})."
            ) from None

    def check_quota(self, calls: int) -> Throttle:
        """Raise :class:`QuotaError` unless ``calls`` calls are left this period."""
        t = self.throttle()
        if t.remaining < calls:
            raise QuotaError(
                f"A full sync needs about {calls} calls but only {t.remaining} of "
                f"{t.limit} per {t.period_s // 60} min are left; the next frees up in "
                f"{t.next_use_s} s. Wait, set SPACEDATA_API_TOKEN for a higher limit, or skip "
                "this check (`spacedata fetch --no-quota-check`; Python: check_quota=False): "
                "pages fetched before a 429 stay cached and are not requested again."
            )
        return t

    # -- paging ----------------------------------------------------------------------------

    def url_for(self, endpoint: str | Endpoint) -> str:
        """The URL of a declared endpoint on this client's host (no credentials)."""
        return _endpoints.get(endpoint).url(self.base_url)

    def fetch(
        self,
        endpoint: str | Endpoint = SPACECRAFT,
        params: dict[str, Any] | None = None,
        *,
        limit: int | None = None,
        check_quota: bool = False,
        refresh: bool = False,
    ) -> FetchResult:
        """Read every page of one declared endpoint (:mod:`spacedata.endpoints`) and return
        them raw.

        Args:
            endpoint: its name (``"spacecraft"``, ``"spacecraft_flights"``) or declaration.
            params: documented filters/``search``/``ordering``/``mode``; ``ordering`` defaults
                to ``id``, and any other ordering gets ``id`` as a tie-break so pages are
                stable. Booleans are sent as ``true``/``false``.
            limit: records per page, at most 100 (LL2's cap; the default). Pages overlap by one
                record, so a sync of N records costs ceil((N - 1) / (limit - 1)) calls when
                nothing moves.
            check_quota: first read ``/api-throttle/`` and refuse with :class:`QuotaError` if a
                whole sync (estimated from the endpoint's usual size) cannot fit in the calls
                left.
            refresh: ignore fresh cache entries and ask LL2 again (still cached afterwards).

        Returns:
            A :class:`FetchResult`; when it is not ``complete``, ``problems`` says why and the
            cache entries of its pages are dropped, so fetching again re-reads them.

        Raises:
            RateLimitError: on a 429; ``.partial`` holds the pages fetched so far (they are
                cached, so calling again after ``.retry_after`` seconds resumes).
            ApiError, NetworkError, NotCachedError: see their docs; all carry ``.partial``.
            ValueError: an undocumented parameter, ordering or mode, or a bad ``limit``.
        """
        ep = _endpoints.get(endpoint)
        query = ep.query(params, limit)
        if check_quota:
            self.check_quota(calls_for(ep.expected_records, int(query["limit"])))
        return _EndpointSync(self, ep, query, refresh).run()

    def fetch_spacecraft(
        self,
        params: dict[str, Any] | None = None,
        *,
        limit: int = MAX_LIMIT,
        check_quota: bool = False,
        refresh: bool = False,
    ) -> FetchResult:
        """Read every page of ``/spacecraft/``: :meth:`fetch` of ``"spacecraft"``."""
        return self.fetch(SPACECRAFT, params, limit=limit, check_quota=check_quota, refresh=refresh)

    def sync(
        self,
        endpoints: Iterable[str | Endpoint] | str | None = None,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
        refresh: bool = False,
    ) -> Sync:
        """A :class:`Sync` of several endpoints (default: ``spacedata.endpoints.DEFAULT_ENDPOINTS``);
        ``params`` as :func:`spacedata.endpoints.split_params` reads them. Nothing is requested
        until :meth:`Sync.plan` or :meth:`Sync.run`. Raises ValueError for bad parameters."""
        names = _endpoints.names(endpoints)
        per = _endpoints.split_params(params, names)
        queries = {n: _endpoints.get(n).query(per[n], limit) for n in names}
        return Sync(self, queries, refresh)

    # -- one page ----------------------------------------------------------------------------

    def _page(
        self,
        url: str,
        query: dict[str, str],
        done: str,
        refresh: bool,
        budget: _Budget | None = None,
    ) -> Page:
        offset = int(query.get("offset", 0))
        if budget is not None and not budget.can_pay():
            if refresh or not self._is_cached(url, query):
                raise _OutOfCalls(offset)
        resp = self._get(url, params=query, force_refresh=refresh)
        if resp.status_code == 429:
            wait = self._retry_after(resp)
            when = f"in {wait:.0f} s (about {math.ceil(wait / 60)} min)" if wait else "later"
            raise RateLimitError(
                f"LL2's rate limit was reached {done}; try again {when}. Pages already "
                "fetched are cached and will not be requested again. An API key "
                "(SPACEDATA_API_TOKEN) raises the limit above 15 calls/hour.",
                retry_after=wait,
            )
        if resp.status_code == 504 and self.offline:  # requests-cache's answer to a cache miss
            raise NotCachedError(
                f"Offline mode is on and page offset={offset} of {urlsplit(url).path} is not in "
                f"the cache ({self.cache_path}). Go online once, or use a snapshot."
            )
        try:
            data = _json_or_raise(resp, f"page offset={offset} {done}")
            _check_envelope(data, offset, done)
        except ApiError:
            self._forget(resp)  # never keep an unusable page in the cache
            raise
        from_cache = bool(getattr(resp, "from_cache", False))
        if budget is not None and not from_cache:
            budget.pay()
        sent = (getattr(resp, "created_at", None) if from_cache else None) or _now()
        stale = None
        if from_cache and getattr(resp, "is_expired", False):
            stale = _utc(getattr(resp, "expires", None) or sent)
        url_seen = config.redact(resp.url)
        return Page(url_seen, resp.content, data, from_cache, _utc(sent), offset, stale)

    def _cache_key(self, url: str, query: dict[str, str]) -> str:
        prepared = self.session.prepare_request(requests.Request("GET", url, params=query))
        return self.session.cache.create_key(prepared)

    def _is_cached(self, url: str, query: dict[str, str]) -> bool:
        """True when the page is in the HTTP cache and fresh (asking for it costs nothing)."""
        if not self.cache_writable:
            return False
        try:
            cached = self.session.cache.get_response(self._cache_key(url, query))
        except (sqlite3.Error, OSError):
            return False
        return cached is not None and not cached.is_expired

    def _forget(self, resp: requests.Response) -> None:
        key = getattr(resp, "cache_key", None)
        if key:
            self.session.cache.delete(key)

    def _forget_pages(self, url: str, offsets: list[int], query: dict[str, str]) -> None:
        """Drop the cached pages at ``offsets`` so the next sync reads them from LL2 again."""
        for offset in offsets:
            self.session.cache.delete(self._cache_key(url, {**query, "offset": str(offset)}))

    def _retry_after(self, resp: requests.Response) -> float | None:
        """Seconds to wait, from ``Retry-After`` (urllib3's parser) or DRF's ``detail`` text."""
        value = resp.headers.get("Retry-After")
        if value:
            try:
                return float(self._retry.parse_retry_after(value))
            except InvalidHeader:
                pass
        try:
            match = _DETAIL_SECONDS.search(str(resp.json().get("detail", "")))
        except (ValueError, AttributeError):
            match = None
        return float(match.group(1)) if match else None


def calls_for(records: int, limit: int = MAX_LIMIT) -> int:
    """Calls a sync of ``records`` costs when nothing moves (pages overlap by one record)."""
    step = limit - 1 if limit > 1 else 1
    return max(1, math.ceil(max(records - 1, 0) / step)) if limit > 1 else max(1, records)


def _limit(result: FetchResult) -> int:
    try:
        return int(result.params.get("limit", MAX_LIMIT))
    except (TypeError, ValueError, AttributeError):
        return MAX_LIMIT


class _Budget:
    """Calls a sync may still pay for (None: no limit). Cache hits are free."""

    def __init__(self, left: int | None):
        self.left = left
        self.spent = 0

    def can_pay(self) -> bool:
        return self.left is None or self.left > 0

    def pay(self) -> None:
        self.spent += 1
        if self.left is not None:
            self.left -= 1


class _OutOfCalls(Exception):
    """The budget is spent and the next page is not in the cache (internal: a pause)."""

    def __init__(self, offset: int):
        super().__init__(f"no calls left for page offset={offset}")
        self.offset = offset


class Sync:
    """A sync of several endpoints that can stop when its calls run out and finish later.

    Made by :meth:`LL2Client.sync`. Each endpoint is read as :meth:`LL2Client.fetch` reads it
    (overlapping pages, overlap checks, re-reads); what was read stays in memory, so running
    again after a pause continues where the sync stopped and pays for no page twice.

    Typical use (this is what :func:`spacedata.fetch` does)::

        sync = client.sync(["spacecraft", "spacecraft_flights"])
        plan = sync.plan(client.throttle())   # reads page 1 of each: the count probes
        result = sync.run()                   # pays at most the calls left
        while result.paused:                  # later, when the quota allows
            sync.allow(client.throttle().remaining)
            result = sync.run()
    """

    def __init__(self, client: LL2Client, queries: dict[str, dict[str, str]], refresh: bool):
        self.client = client
        self.budget = _Budget(None)
        self.syncs = {
            name: _EndpointSync(client, _endpoints.get(name), query, refresh, self.budget)
            for name, query in queries.items()
        }

    @property
    def spent(self) -> int:
        """Calls paid so far (pages not served by the cache)."""
        return self.budget.spent

    def allow(self, calls: int | None) -> None:
        """Allow ``calls`` more paid calls from now (None: no limit)."""
        self.budget.left = calls

    def plan(self, throttle: Throttle | None) -> Plan:
        """Read page 1 of every endpoint not started yet (within ``throttle.remaining`` calls;
        cached pages are free) and say what the whole sync costs. Sets the budget to the calls
        ``throttle`` has left (no limit when ``throttle`` is None).

        Raises what :meth:`LL2Client.fetch` raises, with ``.partial`` a :class:`SyncResult`.
        """
        self.allow(throttle.remaining if throttle is not None else None)
        try:
            for s in self.syncs.values():
                if not s.chain and not s.finished:
                    try:
                        s.advance()
                    except _OutOfCalls:
                        continue
        except FetchError as exc:
            exc.partial = self.result()
            raise
        plans = tuple(s.plan() for s in self.syncs.values())
        calls = self.spent + sum(e.to_pay for e in plans)
        resume = None
        if throttle is not None and calls > throttle.remaining:
            wait = throttle.next_use_s if throttle.next_use_s > 0 else throttle.period_s
            resume = _now() + timedelta(seconds=wait)
        return Plan(
            plans,
            self.spent,
            throttle.remaining if throttle is not None else None,
            throttle.period_s if throttle is not None else None,
            resume,
        )

    def run(self) -> SyncResult:
        """Read on until every endpoint is done or the calls allowed run out (then the result
        is ``paused``; call again after :meth:`allow` to go on).

        Raises what :meth:`LL2Client.fetch` raises (a 429 included), with ``.partial`` a
        :class:`SyncResult`; calling again afterwards resumes at the page that failed.
        """
        try:
            for s in self.syncs.values():
                while not s.finished:
                    s.advance()
                s.finish()
        except _OutOfCalls:
            return self.result(paused=True)
        except FetchError as exc:
            exc.partial = self.result()
            raise
        finally:
            for s in self.syncs.values():
                s.close_bar()
        return self.result()

    def result(self, paused: bool = False) -> SyncResult:
        return SyncResult({name: s.result() for name, s in self.syncs.items()}, paused=paused)


class _EndpointSync:
    """One endpoint: overlapping pages, each overlap checked, pages re-read when records moved.

    Resumable: its state is kept between calls of :meth:`advance`, so a stop (no calls left, a
    429, a failed page) can be followed by more calls that continue from the same page.
    """

    def __init__(
        self,
        client: LL2Client,
        endpoint: Endpoint,
        query: dict[str, str],
        refresh: bool,
        budget: _Budget | None = None,
    ):
        self.client, self.endpoint, self.query, self.refresh = client, endpoint, query, refresh
        self.url = endpoint.url(client.base_url)
        self.budget = budget
        self.limit = int(query["limit"])
        self.step = self.limit - 1 if self.limit > 1 else 1  # overlap one record per page
        self.chain: list[Page] = []  # accepted pages, each overlapping the one before
        self.rereads = 0
        self.problems: list[str] = []
        self.requested: set[int] = set()  # every offset asked for, to forget if incomplete
        self.offset = 0
        self.lookahead: Page | None = None
        self.finished = False  # walked to the end, or gave up
        self._final: FetchResult | None = None
        self._bar = None

    def run(self) -> FetchResult:
        try:
            while not self.finished:
                self.advance()
        except FetchError as exc:  # every stop says what was fetched before it
            exc.partial = self.result()
            raise
        finally:
            self.close_bar()
        return self.finish()

    def advance(self) -> None:
        """Read the next page (or re-read one after records moved)."""
        done = f"after {len(self.chain)} page(s) of /{self.endpoint.path}"
        if self.lookahead is not None and self.lookahead.offset == self.offset:
            page, self.lookahead = self.lookahead, None
        else:
            query = {**self.query, "offset": str(self.offset)}
            self.requested.add(self.offset)
            page = self.client._page(self.url, query, done, self.refresh, self.budget)
        if self.chain and self.step < self.limit and not _overlaps(self.chain[-1], page):
            self.rereads += 1
            if self.rereads > MAX_REREADS:
                self.problems.append(
                    f"records kept moving while the sync ran ({MAX_REREADS} re-reads did "
                    f"not settle them near offset {self.offset})"
                )
                self.finished = True
                return
            moved = self.chain.pop()
            log.info(
                "%s: records moved near offset %d; re-reading offset %d",
                self.endpoint.name,
                self.offset,
                moved.offset,
            )
            self.lookahead, self.offset, self.refresh = page, moved.offset, True
            return
        self.chain.append(page)
        self._progress(page)
        if not page.data.get("next"):
            reached = page.offset + len(page.data["results"])
            if reached < page.data["count"]:
                self.problems.append(
                    f"LL2 stopped paging at offset {reached} ('next' is empty) but reports "
                    f"{page.data['count']} records"
                )
            self.finished = True
            return
        self.offset += self.step

    def finish(self) -> FetchResult:
        """The final result (once): warns of stale pages, forgets the pages of an incomplete
        sync so that fetching again re-reads them from LL2."""
        if self._final is not None:
            return self._final
        result = self._final = self.result()
        if result.stale_since is not None:
            stale = sum(p.stale_since is not None for p in result.pages)
            warnings.warn(
                f"Offline: {stale} of {len(result.pages)} {self.endpoint.name} page(s) are past "
                f"their freshness (stale since {result.stale_since:%Y-%m-%d %H:%M} UTC); the "
                "data is marked stale. Go online and fetch again for current data.",
                StaleDataWarning,
                stacklevel=4,
            )
        if not result.complete:
            for problem in result.problems:
                log.warning("incomplete sync of %s: %s", self.url, problem)
            self.client._forget_pages(self.url, sorted(self.requested), self.query)
        return result

    def plan(self) -> EndpointPlan:
        count = self.chain[-1].data["count"] if self.chain else None
        pages = calls_for(self.endpoint.expected_records if count is None else count, self.limit)
        have = len(self.chain)
        cached = 0
        if not self.refresh and not self.finished:
            for n in range(have, pages):
                query = {**self.query, "offset": str(n * self.step)}
                cached += self.client._is_cached(self.url, query)
        return EndpointPlan(self.endpoint.name, count, max(pages, have), have, cached)

    def result(self) -> FetchResult:
        if self._final is not None:
            return self._final
        records = _pages.unique_records(p.data for p in self.chain)
        count = self.chain[-1].data["count"] if self.chain else None
        problems = list(self.problems)
        problems += _repeated_ids(self.chain, overlap=self.step < self.limit)
        bad = sum(not isinstance(r, dict) for p in self.chain for r in p.data["results"])
        if bad:
            problems.append(f"{bad} item(s) in 'results' are not records (objects)")
        if self.chain and self.finished and not problems and len(records) != count:
            problems.append(f"received {len(records)} unique records but LL2 reports {count}")
        if not self.finished:
            problems.append(
                f"not finished: stopped after {len(self.chain)} page(s)"
                + (f" of about {calls_for(count, self.limit)}" if count is not None else "")
            )
        return FetchResult(
            self.url,
            self.query,
            list(self.chain),
            records,
            count,
            complete=bool(self.chain) and self.finished and not problems,
            problems=problems,
            name=self.endpoint.name,
        )

    def _progress(self, page: Page) -> None:
        if self._bar is None:
            self._bar = _progress_bar(self.client.progress, self.endpoint.name)
        if self._bar is not None:
            self._bar.total = max(math.ceil(page.data["count"] / self.step), len(self.chain))
            self._bar.update(1)

    def close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _DeadlineAdapter(HTTPAdapter):
    """An adapter that reads each body itself, stopping when the request's deadline passes.

    A per-read timeout alone never stops a server that sends one byte every few seconds.
    """

    def __init__(self, deadline: float, **kwargs: Any):
        self.deadline = deadline
        super().__init__(**kwargs)

    def send(self, request, stream=False, **kwargs):  # noqa: ANN001 - requests' signature
        start = time.monotonic()
        resp = super().send(request, stream=True, **kwargs)
        if stream:
            return resp
        chunks, size = [], 0
        try:
            while True:
                if time.monotonic() - start > self.deadline:
                    resp.close()
                    raise _DeadlineExceeded(
                        f"timed out: no whole answer within the {self.deadline:g} s deadline "
                        f"({size} bytes received)",
                        request=request,
                    )
                chunk = resp.raw.read1(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except Urllib3HTTPError as exc:
            resp.close()
            raise requests.ConnectionError(
                f"{type(exc).__name__}: {exc}", request=request
            ) from None
        resp._content = b"".join(chunks)
        resp._content_consumed = True
        return resp


class _DeadlineExceeded(requests.exceptions.Timeout):
    """A request took longer than the client's overall deadline."""


def _timed_out(exc: BaseException) -> bool:
    return isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower()


def _timeout_detail(exc: BaseException, client: LL2Client) -> str:
    if isinstance(exc, _DeadlineExceeded):
        return str(exc).removeprefix("timed out: ")
    return f"no answer within the {client.timeout[1]:g} s read timeout, after retries"


def _overlaps(prev: Page, page: Page) -> bool:
    """True when ``page`` starts with the record ``prev`` ended with (nothing moved between)."""
    last, first = prev.data["results"][-1:], page.data["results"][:1]
    if not (last and first):
        return False
    if _rid(last[0]) is None or _rid(first[0]) is None:  # not a record: compare the items
        return last[0] == first[0]
    return _rid(last[0]) == _rid(first[0])


def _rid(record: object) -> int | None:
    return _pages.record_key(record)


def _repeated_ids(chain: list[Page], overlap: bool) -> list[str]:
    """Ids that appear more than once, not counting the one designed overlap per page."""
    seen: set = set()
    repeated: list = []
    for n, page in enumerate(chain):
        results = page.data["results"][1:] if overlap and n else page.data["results"]
        for rec in results:
            rid = _rid(rec)
            if rid is None:
                continue
            if rid in seen:
                repeated.append(rid)
            seen.add(rid)
    if not repeated:
        return []
    shown = ", ".join(map(str, repeated[:10])) + (" ..." if len(repeated) > 10 else "")
    return [f"{len(repeated)} record id(s) arrived more than once ({shown})"]


def _check_envelope(data: object, offset: int, done: str) -> None:
    """A page must be ``{"count": int, "next": url|null, "results": [...]}``."""
    where = f"page offset={offset} {done}"
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ApiError(f"LL2 sent no 'results' list on {where}; it was not kept.")
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ApiError(f"LL2 sent a malformed 'count' ({count!r}) on {where}; it was not kept.")
    nxt = data.get("next")
    if nxt is None:
        return
    if not isinstance(nxt, str):
        raise ApiError(f"LL2 sent a malformed 'next' ({nxt!r}) on {where}; it was not kept.")
    value = dict(parse_qsl(urlsplit(nxt).query)).get("offset", "")
    if not value.isascii() or not value.isdigit():
        raise ApiError(
            f"LL2 sent a 'next' link with a malformed offset ({config.redact(nxt)!r}) on {where}; "
            "it was not kept."
        )


def _json_or_raise(resp: requests.Response, what: str) -> Any:
    ctype = resp.headers.get("Content-Type", "")
    if resp.status_code != 200 or "json" not in ctype:
        snippet = " ".join(resp.text[:120].split())
        raise ApiError(
            f"LL2 answered {what} with HTTP {resp.status_code} ({ctype or 'no content type'}): "
            f"{snippet!r}. Transient errors were already retried; try again later."
        )
    try:
        return _pages.parse(resp.content)
    except _pages.JSONDecodeError as exc:
        raise ApiError(
            f"LL2 answered {what} with invalid JSON ({exc.msg} at byte {exc.pos} of "
            f"{len(resp.content)}; truncated?). It was not kept in the cache; try again."
        ) from None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _progress_bar(progress: bool | None, name: str):
    if progress is False:
        return None
    from tqdm.auto import tqdm

    return tqdm(desc=f"LL2 {name} pages", unit="page", disable=None if progress is None else False)
