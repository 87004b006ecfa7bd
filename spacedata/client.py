"""The LL2 client: one object that reads any declared list endpoint (:mod:`spacedata.endpoints`)
through one cached session.

It only composes three modules, each with one job:

* :mod:`spacedata.transport`: the HTTP session (cache, credentials kept off disk, deadlines,
  gzip/deflate, a size bound, same-origin redirects only, retries, one-line errors);
* :mod:`spacedata.paging`: paging one endpoint with overlap and envelope checks;
* :mod:`spacedata.quota`: the throttle, plans, budgets and the multi-endpoint :class:`Sync`.

Everything here returns raw pages; turning them into tables is :mod:`spacedata.tidy`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import config
from . import endpoints as _endpoints
from .endpoints import SPACECRAFT, Endpoint
from .errors import NotCachedError
from .paging import EndpointPaging, FetchResult, Page
from .quota import EndpointPlan, Plan, Sync, SyncResult, Throttle, calls_for, check
from .transport import (
    CACHE_FILE,
    DEFAULT_BACKOFF,
    DEFAULT_DEADLINE,
    DEFAULT_EXPIRY,
    DEFAULT_MAX_BYTES,
    LL2Session,
)

__all__ = [
    "CACHE_FILE",
    "EndpointPlan",
    "FetchResult",
    "LL2Client",
    "Page",
    "Plan",
    "Sync",
    "SyncResult",
    "Throttle",
    "calls_for",
]


class LL2Client:
    """A client for LL2's list endpoints (:mod:`spacedata.endpoints`), ``/spacecraft/`` first.

    Args:
        base_url: API root; default ``SPACEDATA_BASE_URL`` or the production host. Credentials
            in it (``http://user:pass@host/``) are sent as basic auth and never stored or shown.
        token: API key; default ``SPACEDATA_API_TOKEN``. Never logged, cached or shown.
        cache_dir: HTTP cache directory; default ``SPACEDATA_CACHE_DIR`` or the user cache dir.
        expire_after: how long a cached page is fresh.
        offline: answer from the cache only (default ``SPACEDATA_OFFLINE``); expired pages are
            then served with a :class:`~spacedata.errors.StaleDataWarning` and marked stale.
        timeout: (connect, read) seconds for each socket operation.
        deadline: seconds one request may take in all, retries, redirects and the whole body
            included; default ``SPACEDATA_HTTP_DEADLINE`` or 60.
        max_bytes: the largest answer taken, decoded; default ``SPACEDATA_HTTP_MAX_BYTES`` or
            32 MB. A larger one is refused and not cached.
        retries: retries of transient faults per request.
        backoff_factor: seconds; waits grow as ``backoff_factor * 2**n``; default
            ``SPACEDATA_HTTP_BACKOFF`` or 0.5.
        progress: show a tqdm bar; None shows it only on a terminal.

    Raises:
        ValueError: a setting that cannot work (an API key with a control character in it, a
            bad ``SPACEDATA_HTTP_*`` value); the message names it, never the key.
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
        max_bytes: int | None = None,
        retries: int = 3,
        backoff_factor: float | None = None,
        progress: bool | None = None,
    ):
        self.base_url, basic = config.split_credentials(config.base_url(base_url))
        self.endpoint = self.base_url + "spacecraft/"
        self.offline = config.offline() if offline is None else offline
        self.timeout = timeout
        self.progress = progress
        self.cache_path = config.cache_dir(cache_dir) / CACHE_FILE
        token = config.check_token(token, "token=") if token is not None else config.api_token()
        self._has_token = bool(token)
        self.session = LL2Session(
            self.base_url,
            cache_path=self.cache_path,
            expire_after=expire_after,
            offline=self.offline,
            token=token,
            basic_auth=basic,
            timeout=timeout,
            deadline=config.http_deadline(DEFAULT_DEADLINE) if deadline is None else deadline,
            max_bytes=config.http_max_bytes(DEFAULT_MAX_BYTES) if max_bytes is None else max_bytes,
            retries=retries,
            backoff_factor=(
                config.http_backoff(DEFAULT_BACKOFF) if backoff_factor is None else backoff_factor
            ),
        )

    def __repr__(self) -> str:  # never shows the token or credentials
        key = "with API key" if self._has_token else "no API key"
        return f"LL2Client({self.base_url!r}, {key}, cache={str(self.cache_path)!r})"

    def __enter__(self) -> LL2Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    @property
    def deadline(self) -> float:
        return self.session.deadline

    @property
    def cache_writable(self) -> bool:
        return self.session.cache_writable

    # -- quota ------------------------------------------------------------------------------

    def throttle(self) -> Throttle:
        """Read ``/api-throttle/`` (costs no quota; never cached)."""
        if self.offline:
            raise NotCachedError("Offline mode is on: the quota can only be read online.")
        _, data = self.session.fetch(
            self.base_url + "api-throttle/", what="/api-throttle/", cache=False
        )
        return Throttle.from_json(data)

    def check_quota(self, calls: int) -> Throttle:
        """Raise :class:`~spacedata.errors.QuotaError` unless ``calls`` calls are left now."""
        return check(self.throttle(), calls)

    # -- paging -----------------------------------------------------------------------------

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
        """Read every page of one declared endpoint and return them raw.

        Args:
            endpoint: its name (``"spacecraft"``, ``"spacecraft_flights"``) or declaration.
            params: documented filters/``search``/``ordering``/``mode``; ``ordering`` defaults
                to ``id``, and any other ordering gets ``id`` as a tie-break so pages are
                stable. Booleans are sent as ``true``/``false``.
            limit: records per page, at most 100 (LL2's cap; the default). Pages overlap by one
                record, so a sync of N records costs ceil((N - 1) / (limit - 1)) calls when
                nothing moves.
            check_quota: first read ``/api-throttle/`` and refuse with
                :class:`~spacedata.errors.QuotaError` if a whole sync (estimated from the
                endpoint's usual size) cannot fit in the calls left.
            refresh: ignore fresh cache entries and ask LL2 again (still cached afterwards).

        Returns:
            A :class:`FetchResult`; when it is not ``complete``, ``problems`` says why and the
            cache entries of its pages are dropped, so fetching again re-reads them.

        Raises:
            RateLimitError: on a 429; ``.partial`` holds the pages fetched so far (they are
                cached, so calling again after ``.retry_after`` seconds resumes).
            ApiError (AuthError for 401/403), NetworkError, NotCachedError: see their docs;
                all carry ``.partial``.
            ValueError: an undocumented parameter, ordering or mode, or a bad ``limit``.
        """
        ep = _endpoints.get(endpoint)
        query = ep.query(params, limit)
        if check_quota:
            self.check_quota(calls_for(ep.expected_records, int(query["limit"])))
        url = ep.url(self.base_url)
        return EndpointPaging(
            ep,
            url,
            query,
            lambda q, refresh, done: self.page(url, q, refresh, done),
            refresh=refresh,
            forget=lambda q: self.session.forget_url(url, q),
            progress=self.progress,
        ).run()

    def sync(
        self,
        endpoints: Iterable[str | Endpoint] | str | None = None,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
        refresh: bool = False,
    ) -> Sync:
        """A :class:`~spacedata.quota.Sync` of several endpoints (default:
        ``spacedata.endpoints.DEFAULT_ENDPOINTS``); ``params`` as
        :func:`spacedata.endpoints.split_params` reads them. Nothing is requested until
        :meth:`Sync.plan` or :meth:`Sync.run`. Raises ValueError for bad parameters."""
        names = _endpoints.names(endpoints)
        per = _endpoints.split_params(params, names)
        specs = {}
        for n in names:
            ep = _endpoints.get(n)
            specs[n] = (ep, ep.url(self.base_url), ep.query(per[n], limit))
        return Sync(
            specs,
            get_page=self.page,
            is_cached=self.session.is_cached,
            forget=self.session.forget_url,
            refresh=refresh,
            progress=self.progress,
        )

    def page(self, url: str, query: dict[str, str], refresh: bool, done: str) -> Page:
        """One page, through the cache: the ``get_page`` that paging is given (``done``: where
        the paging is, for messages: ``after 3 page(s) of /spacecraft/``)."""
        offset = int(query.get("offset", 0))
        resp, data = self.session.fetch(
            url, query, what=f"page offset={offset} {done}", refresh=refresh, after=done
        )
        from_cache = bool(getattr(resp, "from_cache", False))
        sent = (getattr(resp, "created_at", None) if from_cache else None) or _now()
        stale = None
        if from_cache and getattr(resp, "is_expired", False):
            stale = _utc(getattr(resp, "expires", None) or sent)
        return Page(
            config.redact(resp.url), resp.content, data, from_cache, _utc(sent), offset, stale
        )


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
