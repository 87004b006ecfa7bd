"""HTTP access to LL2, in one place: a cached session, paging, quota and retries.

Everything here returns raw pages; turning them into tables is :mod:`spacedata.tidy`'s job.

* One :class:`requests_cache.CachedSession` (SQLite in :func:`spacedata.config.cache_dir`).
  Cache hits cost no quota, so a sync stopped by a 429 resumes from the cache: pages already
  fetched are not requested again.
* Transient faults (5xx, resets, timeouts) are retried by urllib3's ``Retry`` with exponential
  backoff; every request has a timeout. A 429 is never retried blindly: it becomes a
  :class:`~spacedata.errors.RateLimitError` that says how long to wait.
* The API key is sent as ``Authorization: Token <key>``; requests-cache redacts that header from
  cache keys and stored requests, and no message here ever includes it.
"""

from __future__ import annotations

import math
import re
import sqlite3
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import _pages, config
from .errors import (
    ApiError,
    CacheWarning,
    CountDriftWarning,
    FetchError,
    NetworkError,
    NotCachedError,
    QuotaError,
    RateLimitError,
)

#: Query parameters ``/spacecraft/`` documents (besides ``limit``/``offset``).
DOCUMENTED_PARAMS = frozenset(
    {
        "in_space",
        "is_placeholder",
        "name",
        "spacecraft_config",
        "status",
        "search",
        "ordering",
        "mode",
    }
)
ORDERING_FIELDS = frozenset(
    {"flights_count", "id", "mission_ends_count", "time_docked", "time_in_space"}
)
MAX_LIMIT = 100
#: Records the live endpoint held in 2025-2026 (590-607), rounded up: used to estimate calls.
EXPECTED_RECORDS = 610
DEFAULT_EXPIRY = timedelta(hours=12)
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


@dataclass
class FetchResult:
    """The pages of one sync and what they add up to."""

    endpoint: str
    params: dict[str, str]
    pages: list[Page]
    records: list[dict]  # de-duplicated by id, in page order
    count: int | None  # the endpoint's ``count`` on the last page
    complete: bool  # every page arrived and the unique records equal ``count``

    @property
    def source(self) -> str:
        """``"live"`` if any page came from the network, else ``"cache"``."""
        return "cache" if self.pages and all(p.from_cache for p in self.pages) else "live"

    @property
    def fetched_at(self) -> datetime | None:
        """When the oldest page was sent by LL2 (UTC)."""
        return min((p.fetched_at for p in self.pages), default=None)


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


class LL2Client:
    """A client for LL2's ``/spacecraft/`` endpoint.

    Args:
        base_url: API root; default ``SPACEDATA_BASE_URL`` or the production host.
        token: API key; default ``SPACEDATA_API_TOKEN``. Never logged, cached or shown.
        cache_dir: HTTP cache directory; default ``SPACEDATA_CACHE_DIR`` or the user cache dir.
        expire_after: how long a cached page is fresh.
        offline: answer from the cache only (default ``SPACEDATA_OFFLINE``).
        timeout: (connect, read) seconds for every request.
        retries: retries of transient faults per request.
        backoff_factor: seconds; waits grow as ``backoff_factor * 2**n``.
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
        retries: int = 3,
        backoff_factor: float = 0.5,
        progress: bool | None = None,
    ):
        self.base_url = config.base_url(base_url)
        self.endpoint = self.base_url + "spacecraft/"
        self.offline = config.offline() if offline is None else offline
        self.timeout = timeout
        self.progress = progress
        self.cache_path = config.cache_dir(cache_dir) / CACHE_FILE
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

    def __repr__(self) -> str:  # never shows the token
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
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        try:  # a corrupt SQLite file fails on open or on the first query, so ask one now
            session = self._new_session(expire_after)
            session.cache.responses.count()
        except sqlite3.DatabaseError as exc:
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
        return session

    def _new_session(self, expire_after: timedelta | int) -> requests_cache.CachedSession:
        session = requests_cache.CachedSession(
            str(self.cache_path),
            backend="sqlite",
            expire_after=expire_after,
            stale_if_error=True,
            allowable_codes=(200,),
            # Only JSON pages are worth keeping: an HTML error page with status 200 is not.
            filter_fn=lambda r: "json" in r.headers.get("Content-Type", ""),
        )
        adapter = HTTPAdapter(max_retries=self._retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["Accept"] = "application/json"
        session.headers["User-Agent"] = "spacedata (+https://pypi.org/project/spacedata/)"
        if self._token:
            session.headers["Authorization"] = f"Token {self._token}"
        return session

    def _get(self, url: str, params: dict | None = None, **kwargs: Any) -> requests.Response:
        try:
            return self.session.get(
                url, params=params, timeout=self.timeout, only_if_cached=self.offline, **kwargs
            )
        except requests.RequestException as exc:
            raise NetworkError(
                f"Could not reach LL2 at {urlsplit(url).netloc} after {self._retry.total} retries "
                f"({type(exc).__name__}). Check the network or SPACEDATA_BASE_URL, or load a "
                'snapshot with source="snapshot".'
            ) from None

    # -- quota -----------------------------------------------------------------------------

    def throttle(self) -> Throttle:
        """Read ``/api-throttle/`` (costs no quota; never cached)."""
        if self.offline:
            raise NotCachedError("Offline mode is on: the quota can only be read online.")
        resp = self._get(self.base_url + "api-throttle/", expire_after=requests_cache.DO_NOT_CACHE)
        data = _json_or_raise(resp, "api-throttle")
        row = data[0] if isinstance(data, list) and data else data
        return Throttle(
            limit=int(row["your_request_limit"]),
            period_s=int(row["limit_frequency_secs"]),
            used=int(row["current_use"]),
            next_use_s=int(row["next_use_secs"]),
        )

    def check_quota(self, calls: int) -> Throttle:
        """Raise :class:`QuotaError` unless ``calls`` calls are left this period."""
        t = self.throttle()
        if t.remaining < calls:
            raise QuotaError(
                f"A full sync needs about {calls} calls but only {t.remaining} of "
                f"{t.limit} per {t.period_s // 60} min are left; the next frees up in "
                f"{t.next_use_s} s. Wait, set SPACEDATA_API_TOKEN for a higher limit, or force "
                "the sync (pages fetched before a 429 stay cached and are not requested again)."
            )
        return t

    # -- paging ----------------------------------------------------------------------------

    def fetch_spacecraft(
        self,
        params: dict[str, Any] | None = None,
        *,
        limit: int = MAX_LIMIT,
        check_quota: bool = False,
        refresh: bool = False,
    ) -> FetchResult:
        """Read every page of ``/spacecraft/`` and return them raw.

        Args:
            params: documented filters/``ordering``/``mode``; ``ordering`` defaults to ``id`` so
                pages are stable. Booleans are sent as ``true``/``false``.
            limit: records per page, at most 100 (LL2's cap).
            check_quota: first read ``/api-throttle/`` and refuse with :class:`QuotaError` if a
                whole sync cannot fit in the calls left.
            refresh: ignore fresh cache entries and ask LL2 again (still cached afterwards).

        Raises:
            RateLimitError: on a 429; ``.partial`` holds the pages fetched so far (they are
                cached, so calling again after ``.retry_after`` seconds resumes).
            ApiError, NetworkError, NotCachedError: see their docs; all carry ``.partial``.
        """
        query = _query(params, limit)
        if check_quota:
            self.check_quota(math.ceil(EXPECTED_RECORDS / int(query["limit"])))
        pages: list[Page] = []
        counts: list[int] = []
        bar = _progress_bar(self.progress)
        try:
            next_query: dict[str, str] | None = query
            while next_query is not None:
                page = self._page(next_query, len(pages), refresh)
                pages.append(page)
                counts.append(int(page.data.get("count", 0)))
                if bar is not None:
                    bar.total = max(math.ceil(counts[-1] / int(query["limit"])), len(pages))
                    bar.update(1)
                next_query = _next_query(page.data.get("next"), next_query)
        except FetchError as exc:  # every stop says what was fetched before it
            exc.partial = self._result(query, pages, counts)
            raise
        finally:
            if bar is not None:
                bar.close()
        result = self._result(query, pages, counts)
        received = len(result.records)
        if len(set(counts)) > 1:
            warnings.warn(
                f"LL2's count changed during the sync ({counts[0]} on the first page, "
                f"{counts[-1]} on the last): records were added or removed meanwhile, so some "
                "may be missing or repeated. Fetch again for a consistent copy.",
                CountDriftWarning,
                stacklevel=2,
            )
        elif received != counts[-1]:
            warnings.warn(
                f"Received {received} unique records but LL2 reports count {counts[-1]}.",
                CountDriftWarning,
                stacklevel=2,
            )
        result.complete = len(set(counts)) == 1 and received == counts[-1]
        return result

    def _result(self, query: dict, pages: list[Page], counts: list[int]) -> FetchResult:
        records = _pages.unique_records(p.data for p in pages)
        return FetchResult(
            self.endpoint, query, pages, records, counts[-1] if counts else None, False
        )

    def _page(self, query: dict[str, str], done_pages: int, refresh: bool) -> Page:
        done = f"after {done_pages} page(s)"
        resp = self._get(self.endpoint, params=query, force_refresh=refresh)
        if resp.status_code == 429:
            wait = _retry_after(resp)
            when = f"in {wait:.0f} s (about {math.ceil(wait / 60)} min)" if wait else "later"
            raise RateLimitError(
                f"LL2's rate limit was reached {done}; try again {when}. Pages already "
                "fetched are cached and will not be requested again. An API key "
                "(SPACEDATA_API_TOKEN) raises the limit above 15 calls/hour.",
                retry_after=wait,
            )
        if resp.status_code == 504 and self.offline:  # requests-cache's answer to a cache miss
            raise NotCachedError(
                f"Offline mode is on and page offset={query.get('offset', 0)} is not in the "
                f"cache ({self.cache_path}). Go online once, or use a snapshot."
            )
        try:
            data = _json_or_raise(resp, f"page offset={query.get('offset', 0)} {done}")
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise ApiError(f"LL2 {resp.url} sent no 'results' list {done}.")
        except ApiError:
            self._forget(resp)  # never keep an unusable page in the cache
            raise
        if getattr(resp, "from_cache", False):
            sent = getattr(resp, "created_at", None) or datetime.now(timezone.utc)
        else:
            sent = datetime.now(timezone.utc)
        if sent.tzinfo is None:
            sent = sent.replace(tzinfo=timezone.utc)
        return Page(resp.url, resp.content, data, bool(getattr(resp, "from_cache", False)), sent)

    def _forget(self, resp: requests.Response) -> None:
        key = getattr(resp, "cache_key", None)
        if key:
            self.session.cache.delete(key)


def _query(params: dict[str, Any] | None, limit: int) -> dict[str, str]:
    params = dict(params or {})
    unknown = set(params) - DOCUMENTED_PARAMS
    if unknown:
        raise ValueError(
            f"Unknown /spacecraft/ parameter(s) {sorted(unknown)}; "
            f"documented: {sorted(DOCUMENTED_PARAMS)}."
        )
    ordering = str(params.get("ordering", "id"))
    if ordering.lstrip("-") not in ORDERING_FIELDS:
        raise ValueError(
            f"ordering={ordering!r}: use one of {sorted(ORDERING_FIELDS)}, or '-' + one."
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit={limit}: LL2 serves 1 to {MAX_LIMIT} records a page.")
    query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}
    query["ordering"] = ordering
    return {**dict(sorted(query.items())), "limit": str(limit), "offset": "0"}


def _next_query(next_url: str | None, current: dict[str, str]) -> dict[str, str] | None:
    """The query of LL2's ``next`` link, re-aimed at our own endpoint (never another host)."""
    if not next_url:
        return None
    query = {k: v for k, v in parse_qsl(urlsplit(next_url).query) if k != "format"}
    if int(query.get("offset", 0)) <= int(current.get("offset", 0)):
        raise ApiError(f"LL2's next link does not move forward ({next_url}); stopping.")
    return query


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


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
            except (TypeError, ValueError):
                pass
    try:
        match = _DETAIL_SECONDS.search(str(resp.json().get("detail", "")))
    except (ValueError, AttributeError):
        match = None
    return float(match.group(1)) if match else None


def _progress_bar(progress: bool | None):
    if progress is False:
        return None
    from tqdm.auto import tqdm

    return tqdm(
        desc="LL2 spacecraft pages", unit="page", disable=None if progress is None else False
    )
