"""Exceptions and warnings raised by spacedata. Each message says what to do next."""

from __future__ import annotations

from typing import Any


class SpacedataError(Exception):
    """Base class of every error spacedata raises on purpose."""


class FetchError(SpacedataError):
    """A sync from LL2 stopped early. ``partial`` holds the pages fetched before it stopped."""

    def __init__(self, message: str, partial: Any = None):
        super().__init__(message)
        self.partial = partial


class RateLimitError(FetchError):
    """LL2 answered 429: the hourly quota is used up. ``retry_after`` is in seconds: validated
    and capped (at most a day; None when LL2 said nothing usable); ``asked`` is what LL2 said."""

    def __init__(
        self,
        message: str,
        retry_after: float | None,
        partial: Any = None,
        asked: float | None = None,
    ):
        super().__init__(message, partial)
        self.retry_after = retry_after
        self.asked = retry_after if asked is None else asked


class ApiError(FetchError):
    """LL2 answered with something that is not a usable page (5xx, HTML, invalid JSON)."""


class AuthError(ApiError):
    """LL2 refused the request (HTTP 401 or 403): the API key (``SPACEDATA_API_TOKEN``), the
    credentials of the base URL, or a permission. Retrying does not help; the message says
    what to check."""


class NetworkError(FetchError):
    """LL2 could not be reached at all (DNS, refused connection, timeout after retries)."""


class NotCachedError(FetchError):
    """Offline mode is on and a page the sync needs is not in the HTTP cache."""


class IncompleteError(FetchError):
    """A sync ended without a verified, complete set of records (a page failed, ``next`` stopped
    early, records moved or repeated, ``count`` disagrees). Nothing was replaced; ``partial``
    holds what arrived and the message says what is missing and what to run next."""


class QuotaError(SpacedataError):
    """The quota pre-check found too few calls left for a whole sync."""


class SnapshotError(SpacedataError):
    """A snapshot directory is missing, incomplete on disk, or fails its checksums."""


class SnapshotWriteError(SnapshotError):
    """A snapshot could not be written (disk full, read-only, permissions). The message names
    the directory; nothing was replaced, the last good snapshot is unchanged."""


class SpacedataWarning(UserWarning):
    """Base class of spacedata's warnings."""


class DurationWarning(SpacedataWarning):
    """Some durations could not be converted exactly and were set to NaT (ids are named)."""


class SourceWarning(SpacedataWarning):
    """``source="auto"`` fell back from the live API to a snapshot."""


class CacheWarning(SpacedataWarning):
    """The HTTP cache file was unreadable and has been set aside and rebuilt, or cannot be
    written (then a sync stopped by a 429 cannot resume from it)."""


class StaleDataWarning(SpacedataWarning):
    """Data past its freshness was served (offline mode read expired cache pages); the
    provenance says ``stale since``."""


class RecordWarning(SpacedataWarning):
    """A field of some records had the wrong type or shape and was set to null (ids named)."""


class RejectedRecordWarning(SpacedataWarning):
    """Some records could not be used at all (not an object, no usable id) and were quarantined
    in ``Tables.rejected``; the raw pages still hold them."""


class QuotaExhaustedError(IncompleteError):
    """The calls LL2's quota had left ran out before every page of the sync was read (the plan
    said so before it began). Nothing was replaced; the pages read are cached and are not paid
    for again. ``resume_at`` (UTC) says when the quota allows the rest: run again then, or pass
    ``wait=True`` (``spacedata fetch --wait``) to sleep until then and finish."""

    def __init__(self, message: str, resume_at: Any = None, partial: Any = None):
        super().__init__(message, partial)
        self.resume_at = resume_at


class ConsistencyWarning(SpacedataWarning):
    """Two endpoints disagree (a spacecraft's ``flights_count`` against the flights listed for
    it). Both are kept as LL2 sent them; nothing is corrected."""
