"""LL2's quota, in one place: the throttle, what a sync costs (:func:`calls_for`,
:class:`Plan`), the budget a sync may spend, the budgeted multi-endpoint :class:`Sync`, the wait
loop of ``spacedata fetch --wait`` (:func:`drive`) and the start-up estimate of which endpoints
fit (:func:`fitting`).

Free access is 15 calls an hour; ``/api-throttle/`` (free) says how many are left. Cache hits
cost nothing, so the budget pays only for pages not fresh in the cache. Every wait, whichever
source said it (a 429's ``Retry-After`` or text, the throttle's ``next_use_secs``), is
validated and capped by :func:`spacedata.transport.sane_wait`; no wait can raise.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import endpoints as _endpoints
from .endpoints import ENDPOINTS, MAX_LIMIT, Endpoint
from .errors import ApiError, FetchError, QuotaError, QuotaExhaustedError, RateLimitError
from .paging import EndpointPaging, FetchResult, GetPage, Page, pages_for
from .transport import MAX_WAIT_S, sane_wait

log = logging.getLogger("spacedata")

#: Waits in a row that bring no new page before :func:`drive` gives up.
MAX_IDLE_WAITS = 3
#: Seconds to wait after a 429 that says nothing usable about when to come back.
DEFAULT_WAIT_S = 60.0

Report = Callable[[str, str], None]


def calls_for(records: int, limit: int = MAX_LIMIT) -> int:
    """Calls a sync of ``records`` costs when nothing moves: one per page, pages overlapping by
    one record (:func:`spacedata.paging.pages_for`)."""
    return pages_for(records, limit)


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

    @property
    def wait_s(self) -> float:
        """Seconds until a call is free again (capped, as every wait)."""
        wait = self.next_use_s if self.next_use_s > 0 else self.period_s
        return sane_wait(wait) or DEFAULT_WAIT_S

    @classmethod
    def from_json(cls, data: Any) -> Throttle:
        """The documented answer: ``[{your_request_limit, limit_frequency_secs, current_use,
        next_use_secs, ...}]``. Waits are capped at :data:`~spacedata.transport.MAX_WAIT_S`.

        Raises:
            ApiError: another shape, or values that are not non-negative integers.
        """
        row = data[0] if isinstance(data, list) and data else data
        try:
            values = [
                row[k]
                for k in (
                    "your_request_limit",
                    "limit_frequency_secs",
                    "current_use",
                    "next_use_secs",
                )
            ]
            numbers = [int(v) for v in values]
            if any(isinstance(v, bool) or n < 0 for v, n in zip(values, numbers, strict=True)):
                raise ValueError("a negative or boolean value")
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ApiError(
                f"LL2's /api-throttle/ answer is not the documented shape ({exc})."
            ) from None
        limit, period, used, next_use = numbers
        cap = int(MAX_WAIT_S)
        return cls(limit=limit, period_s=min(period, cap), used=used, next_use_s=min(next_use, cap))


def check(throttle: Throttle, calls: int) -> Throttle:
    """Raise :class:`QuotaError` unless ``calls`` calls are left this period."""
    if throttle.remaining < calls:
        raise QuotaError(
            f"A full sync needs about {calls} calls but only {throttle.remaining} of "
            f"{throttle.limit} per {throttle.period_s // 60} min are left; the next frees up in "
            f"{throttle.next_use_s} s. Wait, set SPACEDATA_API_TOKEN for a higher limit, or skip "
            "this check (`spacedata fetch --no-quota-check`; Python: check_quota=False): "
            "pages fetched before a 429 stay cached and are not requested again."
        )
    return throttle


def estimate(names: Iterable[str], limit: int = MAX_LIMIT) -> dict[str, int]:
    """Calls each endpoint's whole sync costs, from its usual size (before any ``count``)."""
    return {n: calls_for(ENDPOINTS[n].expected_records, limit) for n in names}


def fitting(names: tuple[str, ...], throttle: Throttle) -> tuple[tuple[str, ...], str | None]:
    """The endpoints a sync can read within the calls left: all of ``names``, else the
    spacecraft alone; else none, and why (one sentence)."""
    need = estimate(names)
    if sum(need.values()) <= throttle.remaining:
        return names, None
    if "spacecraft" in need and need["spacecraft"] <= throttle.remaining:
        return ("spacecraft",), None
    return (), (
        f"a sync needs about {min(need.values())} calls (all of {', '.join(names)}: "
        f"{sum(need.values())}) but only {throttle.remaining} of {throttle.limit} are left; the "
        f"next frees up in {throttle.next_use_s} s"
    )


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
                total = f" of about {calls_for(r.count, r.limit)}" if r.count is not None else ""
                parts.append(f"{name} {len(r.pages)}{total} pages")
        return ", ".join(parts)


class Budget:
    """Calls a sync may still pay for (None: no limit). Cache hits are free."""

    def __init__(self, left: int | None = None):
        self.left = left
        self.spent = 0

    def can_pay(self) -> bool:
        return self.left is None or self.left > 0

    def pay(self) -> None:
        self.spent += 1
        if self.left is not None:
            self.left -= 1


class OutOfCalls(Exception):
    """The budget is spent and the next page is not in the cache (a pause, not an error)."""


class Sync:
    """A sync of several endpoints that can stop when its calls run out and finish later.

    Each endpoint is paged by an :class:`~spacedata.paging.EndpointPaging`; what was read
    stays in memory, so running again after a pause continues where the sync stopped and pays
    for no page twice. Made by :meth:`spacedata.client.LL2Client.sync`::

        sync = client.sync(["spacecraft", "spacecraft_flights"])
        plan = sync.plan(client.throttle())   # reads page 1 of each: the count probes
        result = sync.run()                   # pays at most the calls left
        while result.paused:                  # later, when the quota allows
            sync.allow(client.throttle().remaining)
            result = sync.run()

    Args:
        specs: by name, (declaration, URL, query of page 1).
        get_page: ``get_page(url, query, refresh, done) -> Page``.
        is_cached: ``is_cached(url, query)``: fresh in the cache (free to ask for).
        forget: ``forget(url, query)``: drop it from the cache.
        refresh: ignore fresh cache entries.
        progress: progress bars (see :class:`~spacedata.paging.EndpointPaging`).
    """

    def __init__(
        self,
        specs: Mapping[str, tuple[Endpoint, str, dict[str, str]]],
        *,
        get_page: Callable[[str, dict[str, str], bool, str], Page],
        is_cached: Callable[[str, dict[str, str]], bool],
        forget: Callable[[str, dict[str, str]], None],
        refresh: bool = False,
        progress: bool | None = False,
    ):
        self.budget = Budget(None)
        self.is_cached = is_cached
        self.syncs = {
            name: EndpointPaging(
                endpoint,
                url,
                query,
                self._budgeted(url, get_page),
                refresh=refresh,
                forget=lambda q, url=url: forget(url, q),
                progress=progress,
            )
            for name, (endpoint, url, query) in specs.items()
        }

    def _budgeted(self, url: str, get_page: Callable[..., Page]) -> GetPage:
        def get(query: dict[str, str], refresh: bool, done: str) -> Page:
            if not self.budget.can_pay() and (refresh or not self.is_cached(url, query)):
                raise OutOfCalls(done)
            page = get_page(url, query, refresh, done)
            if not page.from_cache:
                self.budget.pay()
            return page

        return get

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

        Raises what the pages raise, with ``.partial`` a :class:`SyncResult`.
        """
        self.allow(throttle.remaining if throttle is not None else None)
        try:
            for s in self.syncs.values():
                if not s.chain and not s.finished:
                    try:
                        s.advance()
                    except OutOfCalls:
                        continue
        except FetchError as exc:
            exc.partial = self.result()
            raise
        plans = tuple(self._plan(s) for s in self.syncs.values())
        calls = self.spent + sum(e.to_pay for e in plans)
        resume = None
        if throttle is not None and calls > throttle.remaining:
            resume = _now() + timedelta(seconds=throttle.wait_s)
        return Plan(
            plans,
            self.spent,
            throttle.remaining if throttle is not None else None,
            throttle.period_s if throttle is not None else None,
            resume,
        )

    def _plan(self, s: EndpointPaging) -> EndpointPlan:
        cached = 0
        if not s.refresh:
            cached = sum(self.is_cached(s.url, q) for q in s.queries_ahead())
        return EndpointPlan(s.endpoint.name, s.count, s.pages_total(), len(s.chain), cached)

    def run(self) -> SyncResult:
        """Read on until every endpoint is done or the calls allowed run out (then the result
        is ``paused``; call again after :meth:`allow` to go on).

        Raises what the pages raise (a 429 included), with ``.partial`` a :class:`SyncResult`;
        calling again afterwards resumes at the page that failed.
        """
        try:
            for s in self.syncs.values():
                while not s.finished:
                    s.advance()
                s.finish()
        except OutOfCalls:
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


def drive(
    sync: Sync,
    throttle: Callable[[], Throttle],
    *,
    budgeted: bool,
    wait: bool,
    sleep: Callable[[float], None],
    report: Report,
    refresh: bool,
    out: Path,
) -> SyncResult:
    """Plan (when ``budgeted``), then read what the quota allows; with ``wait``, sleep through
    quota windows and 429s (a countdown to ``report``) and go on, else raise
    :class:`QuotaExhaustedError` (or the :class:`RateLimitError`) saying when to run again.
    ``out`` is named in messages. Every wait is capped (:func:`spacedata.transport.sane_wait`)."""
    if budgeted:
        plan = sync.plan(throttle())
        report("plan", plan.describe())
    idle = 0
    while True:
        spent = sync.spent
        asked = None
        try:
            result = sync.run()
        except RateLimitError as exc:  # LL2 counted differently, or no plan was made
            if not wait:
                raise
            seconds = sane_wait(exc.retry_after) or DEFAULT_WAIT_S
            asked = exc.asked
        else:
            if not result.paused:
                return result
            t = throttle()
            if t.remaining > 0:  # calls freed meanwhile (LL2's window slides)
                sync.allow(t.remaining)
                continue
            seconds = t.wait_s
            if not wait:
                resume = _now() + timedelta(seconds=seconds)
                again = " without --refresh" if refresh else ""
                raise QuotaExhaustedError(
                    f"LL2's quota ran out before the sync finished ({result.progress()}); {out} "
                    f"was not replaced. Run `spacedata fetch` again{again} after {resume:%H:%M} "
                    f"UTC (in about {math.ceil(seconds / 60)} min): the pages read are cached "
                    "and are not paid for again. Or add --wait (Python: wait=True) to sleep "
                    "until then and finish.",
                    resume_at=resume,
                    partial=result,
                )
        idle = 0 if sync.spent > spent else idle + 1
        if idle > MAX_IDLE_WAITS:
            raise QuotaExhaustedError(
                f"LL2 allowed no further calls after {MAX_IDLE_WAITS} waits; {out} was not "
                "replaced. The pages read are cached: run `spacedata fetch` again later.",
                partial=sync.result(paused=True),
            )
        countdown(seconds, sleep, report, asked)
        if budgeted:
            sync.allow(throttle().remaining)


def countdown(
    seconds: float, sleep: Callable[[float], None], report: Report, asked: float | None = None
) -> None:
    """Sleep ``seconds`` (capped) second by second, reporting the time left."""
    seconds = sane_wait(seconds) or DEFAULT_WAIT_S
    until = _now() + timedelta(seconds=seconds)
    left = max(math.ceil(seconds), 1)
    capped = ""
    if asked is not None and math.isfinite(asked) and asked > seconds:
        capped = f" (LL2 asked to wait {asked:.0f} s; waiting at most {MAX_WAIT_S / 3600:g} h)"
    report(
        "wait-start",
        f"Waiting {left // 60} min {left % 60} s for LL2's quota (until {until:%H:%M:%S} UTC)"
        f"{capped}; Ctrl-C stops, and the pages read stay cached.",
    )
    while left > 0:
        report("wait", f"{left // 60:02d}:{left % 60:02d} left (until {until:%H:%M:%S} UTC)")
        step = min(left, 1)
        sleep(step)
        left -= step
    report("resume", "LL2's quota allows more calls now: going on from the cache.")


def _now() -> datetime:
    return datetime.now(timezone.utc)
