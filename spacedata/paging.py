"""Paging one LL2 list endpoint, given a ``get_page`` callable: overlapping pages, each overlap
checked, envelopes checked, pages re-read when records moved.

Nothing here speaks HTTP: :class:`EndpointPaging` asks ``get_page(query, refresh, done)`` for
each page (the client passes one that goes through its cached session; the quota's
:class:`~spacedata.quota.Sync` wraps it in a budget) and ``forget(query)`` to drop a page it
will not trust from the cache.

* Pages overlap by one record (offsets 0, 99, 198, ... at ``limit=100``) and each overlap is
  checked, so records that move while a sync runs (additions and removals, even when they
  balance and ``count`` stays the same) are detected and the pages involved re-read, at most
  :data:`MAX_REREADS` times.
* ``complete`` is claimed only when every overlap held, no id repeats, every item is a record
  and the records equal ``count``. A ``next`` link that goes on past the records LL2 reports
  is named as such and stops the paging.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from . import _pages, config
from .endpoints import MAX_LIMIT, SPACECRAFT, Endpoint
from .errors import ApiError, FetchError, StaleDataWarning

log = logging.getLogger("spacedata")

#: How often a sync re-reads pages after records moved before it gives up as incomplete.
MAX_REREADS = 3
#: Pages one endpoint's paging reads at most (a 'next' chain that never ends stops here).
MAX_PAGES = 5000


@dataclass(frozen=True)
class Page:
    """One page as received: ``content`` is the raw body (decoded), ``data`` its parsed JSON,
    ``url`` the URL that answered (after any same-origin redirect; no credentials)."""

    url: str
    content: bytes
    data: dict = field(repr=False)
    from_cache: bool
    fetched_at: datetime  # when LL2 sent it (UTC); older than now for cache hits
    offset: int = 0
    stale_since: datetime | None = None  # set when an expired cache entry was served offline


#: ``get_page(query, refresh, done) -> Page``; ``done`` says where the paging is, for messages
#: (``after 3 page(s) of /spacecraft/``).
GetPage = Callable[[dict[str, str], bool, str], Page]


@dataclass
class FetchResult:
    """The pages of one endpoint's sync and what they add up to.

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

    @property
    def limit(self) -> int:
        try:
            return int(self.params.get("limit", MAX_LIMIT))
        except (TypeError, ValueError, AttributeError):
            return MAX_LIMIT


def pages_for(records: int, limit: int = MAX_LIMIT) -> int:
    """Pages a sync of ``records`` reads when nothing moves (pages overlap by one record)."""
    if limit <= 1:
        return max(1, records)
    return max(1, math.ceil(max(records - 1, 0) / (limit - 1)))


class EndpointPaging:
    """One endpoint: overlapping pages, each overlap checked, pages re-read when records moved.

    Resumable: its state is kept between calls of :meth:`advance`, so a stop (a budget spent,
    a 429, a failed page) can be followed by more calls that continue from the same page.

    Args:
        endpoint: the declaration (names and the usual size).
        url: the endpoint's URL (no credentials).
        query: the query of page 1 (``Endpoint.query``); ``offset`` is set per page.
        get_page: see :data:`GetPage`.
        refresh: ignore fresh cache entries (pages re-read after a move always are).
        forget: ``forget(query)`` drops that page from the cache (None: nothing to drop).
        progress: a tqdm bar (None: only on a terminal; False: none).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        url: str,
        query: dict[str, str],
        get_page: GetPage,
        *,
        refresh: bool = False,
        forget: Callable[[dict[str, str]], None] | None = None,
        progress: bool | None = False,
    ):
        self.endpoint, self.url, self.query, self.refresh = endpoint, url, query, refresh
        self.get_page, self.forget, self.progress = get_page, forget, progress
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

    # -- reading ----------------------------------------------------------------------------

    def run(self) -> FetchResult:
        """Read to the end; raises what ``get_page`` raises, with ``.partial`` the result."""
        try:
            while not self.finished:
                self.advance()
        except FetchError as exc:  # every stop says what was fetched before it
            exc.partial = self.result()
            raise
        finally:
            self.close_bar()
        return self.finish()

    def query_at(self, offset: int) -> dict[str, str]:
        return {**self.query, "offset": str(offset)}

    def advance(self) -> None:
        """Read the next page (or re-read one after records moved)."""
        done = f"after {len(self.chain)} page(s) of /{self.endpoint.path}"
        if self.lookahead is not None and self.lookahead.offset == self.offset:
            page, self.lookahead = self.lookahead, None
        else:
            query = self.query_at(self.offset)
            self.requested.add(self.offset)
            page = self.get_page(query, self.refresh, done)
            try:
                check_envelope(page.data, self.offset, done)
            except ApiError:
                if self.forget is not None:
                    self.forget(query)  # never keep an unusable page in the cache
                raise
        if self.chain and self.step < self.limit and not overlaps(self.chain[-1], page):
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
        results, count = page.data["results"], page.data["count"]
        reached = page.offset + len(results)
        if not page.data.get("next"):
            if reached < count:
                self.problems.append(
                    f"LL2 stopped paging at offset {reached} ('next' is empty) but reports "
                    f"{count} records"
                )
            self.finished = True
            return
        if reached >= count or not results or len(self.chain) >= MAX_PAGES:
            self.problems.append(
                f"LL2's 'next' link does not end: the page at offset {page.offset} holds "
                + (
                    f"the last of the {count} records LL2 reports"
                    if results and reached >= count
                    else "no records"
                    if not results
                    else f"page {MAX_PAGES}"
                )
                + " and still links to another; paging stopped there"
            )
            self.finished = True
            return
        self.offset += self.step

    # -- results ----------------------------------------------------------------------------

    @property
    def count(self) -> int | None:
        return self.chain[-1].data["count"] if self.chain else None

    def pages_total(self) -> int:
        """Pages the whole paging reads when nothing moves (from the usual size until page 1
        gave the ``count``)."""
        count = self.count
        pages = pages_for(self.endpoint.expected_records if count is None else count, self.limit)
        return max(pages, len(self.chain))

    def queries_ahead(self) -> Iterator[dict[str, str]]:
        """The queries of the pages not read yet (when nothing moves)."""
        if self.finished:
            return
        for n in range(len(self.chain), self.pages_total()):
            yield self.query_at(n * self.step)

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
            if self.forget is not None:
                for offset in sorted(self.requested):
                    self.forget(self.query_at(offset))
        return result

    def result(self) -> FetchResult:
        if self._final is not None:
            return self._final
        records = _pages.unique_records(p.data for p in self.chain)
        count = self.count
        problems = list(self.problems)
        problems += repeated_ids(self.chain, overlap=self.step < self.limit)
        bad = sum(not isinstance(r, dict) for p in self.chain for r in p.data["results"])
        if bad:
            problems.append(f"{bad} item(s) in 'results' are not records (objects)")
        if self.chain and self.finished and not problems and len(records) != count:
            problems.append(f"received {len(records)} unique records but LL2 reports {count}")
        if not self.finished:
            problems.append(
                f"not finished: stopped after {len(self.chain)} page(s)"
                + (f" of about {pages_for(count, self.limit)}" if count is not None else "")
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
        if self._bar is None and self.progress is not False:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                desc=f"LL2 {self.endpoint.name} pages",
                unit="page",
                disable=None if self.progress is None else False,
            )
        if self._bar is not None:
            self._bar.total = max(math.ceil(page.data["count"] / self.step), len(self.chain))
            self._bar.update(1)

    def close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def overlaps(prev: Page, page: Page) -> bool:
    """True when ``page`` starts with the record ``prev`` ended with (nothing moved between)."""
    last, first = prev.data["results"][-1:], page.data["results"][:1]
    if not (last and first):
        return False
    a, b = _pages.record_key(last[0]), _pages.record_key(first[0])
    if a is None or b is None:  # not a record: compare the items
        return last[0] == first[0]
    return a == b


def repeated_ids(chain: list[Page], overlap: bool) -> list[str]:
    """Ids that appear more than once, not counting the one designed overlap per page."""
    seen: set = set()
    repeated: list = []
    for n, page in enumerate(chain):
        results = page.data["results"][1:] if overlap and n else page.data["results"]
        for rec in results:
            rid = _pages.record_key(rec)
            if rid is None:
                continue
            if rid in seen:
                repeated.append(rid)
            seen.add(rid)
    if not repeated:
        return []
    shown = ", ".join(map(str, repeated[:10])) + (" ..." if len(repeated) > 10 else "")
    return [f"{len(repeated)} record id(s) arrived more than once ({shown})"]


def check_envelope(data: object, offset: int, done: str) -> None:
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
