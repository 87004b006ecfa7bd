"""Where a table's data came from, as of when, and whether it is complete."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .config import CREDIT, redact

#: What a source says of its date when it was not recorded (the bundled captures: LL2-FACTS).
NOT_DATED = "fetch date not recorded"

_LABELS = {
    "live": "live LL2 API",
    "cache": "LL2 API via the local HTTP cache",
    "snapshot": "fetched snapshot",
    "bundled": "bundled sample snapshot",
    "synthetic": "SYNTHETIC snapshot resampled from real records (not real data)",
}


@dataclass(frozen=True)
class Provenance:
    """Provenance of a set of tables.

    Attributes:
        source: ``live``, ``cache``, ``snapshot``, ``bundled`` or ``synthetic``.
        fetched_at: when LL2 sent the data (UTC), None if unknown.
        count: the number of records the endpoint reported, None if unknown.
        records: the number of records the tables hold.
        complete: True only if every record the endpoint reported is here.
        location: the URL or snapshot path the data was read from (credentials redacted).
        stale_since: when the data stopped being fresh, if it was served past its freshness
            (expired HTTP-cache pages read offline); None when fresh.
        url: the LL2 endpoint URL the records came from (credentials redacted), None if
            unknown; a live load's ``location`` is that URL already (see :attr:`endpoint_url`).
        manifest_sha256: the sha256 (hex) of the snapshot's ``manifest.json`` bytes as read,
            None for live and cache loads. With it a citation names one exact snapshot.
        published_url, published_version: the published directory (credentials redacted)
            and the release version it was read from (:mod:`spacedata.remote`), else None.

    :func:`spacedata.cite` turns it (or a frame, or Tables) into a citation; the metadata an
    export writes beside its files (:func:`spacedata.citation.metadata`) holds the same fields
    but ``location``, which is a local path for snapshots.
    """

    source: str
    fetched_at: datetime | None
    count: int | None
    records: int
    complete: bool
    location: str
    stale_since: datetime | None = None
    url: str | None = None
    manifest_sha256: str | None = None
    published_url: str | None = None
    published_version: str | None = None

    def as_attrs(self) -> dict:
        """A plain dict for ``DataFrame.attrs`` (datetimes as ISO strings)."""
        d = asdict(self)
        d["fetched_at"] = self.fetched_at.isoformat() if self.fetched_at else None
        d["stale_since"] = self.stale_since.isoformat() if self.stale_since else None
        return d

    @classmethod
    def from_attrs(cls, attrs: dict) -> Provenance:
        """Rebuild from ``DataFrame.attrs`` written by :meth:`as_attrs`."""
        at = attrs.get("fetched_at")
        stale = attrs.get("stale_since")
        return cls(
            source=attrs["source"],
            fetched_at=datetime.fromisoformat(at) if at else None,
            count=attrs.get("count"),
            records=attrs["records"],
            complete=attrs["complete"],
            location=attrs.get("location", ""),
            stale_since=datetime.fromisoformat(stale) if stale else None,
            url=attrs.get("url"),
            manifest_sha256=attrs.get("manifest_sha256"),
            published_url=attrs.get("published_url"),
            published_version=attrs.get("published_version"),
        )

    @property
    def endpoint_url(self) -> str | None:
        """The LL2 endpoint URL the records came from (credentials redacted): :attr:`url`, or
        a live load's ``location``; None if unknown (never a local path)."""
        url = self.url or (
            self.location if self.location.startswith(("http://", "https://")) else None
        )
        return redact(url) if url else None

    @property
    def endpoint_name(self) -> str | None:
        """``spacecraft``, ``spacecraft_flights``...: the last part of :attr:`endpoint_url`
        (of ``synthetic://spacecraft/``: its host part); None if unknown."""
        url = self.endpoint_url
        if not url:
            return None
        parts = urlsplit(url)
        name = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if not name and parts.scheme not in ("http", "https"):
            name = parts.netloc
        return name or None

    @property
    def as_of(self) -> str:
        """``2026-11-23 10:30 UTC``, or ``fetch date not recorded`` (the bundled captures)."""
        return f"{self.fetched_at:%Y-%m-%d %H:%M} UTC" if self.fetched_at else NOT_DATED

    @property
    def dated(self) -> str:
        """For a sentence: ``as of 2026-11-23 10:30 UTC``, or ``fetch date not recorded``."""
        return f"as of {self.as_of}" if self.fetched_at else NOT_DATED

    @property
    def staleness(self) -> str:
        """``""`` when fresh, else ``STALE since 2026-11-23 22:30 UTC``."""
        return f"STALE since {self.stale_since:%Y-%m-%d %H:%M} UTC" if self.stale_since else ""

    @property
    def completeness(self) -> str:
        """``complete (603 records)``, ``partial sample: 20 of about 603 records``, or for a
        sample that holds a whole listing of a limited host: ``partial sample: all 38 records
        its host listed, not all of LL2's``."""
        if self.complete:
            return f"complete ({self.records} records)"
        if self.records == 0 and self.count is None:
            return "no records in this source"
        word = "partial sample" if self.source == "bundled" else "incomplete"
        if self.source == "bundled" and self.count is not None and self.records >= self.count:
            return f"{word}: all {self.records} records its host listed, not all of LL2's"
        of = f"{self.count}" if self.count is not None else "an unknown number of"
        return f"{word}: {self.records} of about {of} records"

    @property
    def label(self) -> str:
        """What the source is, in words: ``bundled sample snapshot``, ``live LL2 API``...; a
        published release adds ``, release <version> published at <url>``."""
        label = _LABELS.get(self.source, self.source)
        if self.published_url:
            label += f", release {self.published_version} published at {self.published_url}"
        return label

    def describe(self) -> str:
        """One line for a table caption, chart subtitle or notebook header."""
        stale = f"; {self.staleness}" if self.stale_since else ""
        return f"Source: {self.label}, {self.dated}{stale}; {self.completeness}. Data: {CREDIT}."


def provenance_of(obj) -> Provenance:
    """The :class:`Provenance` of a DataFrame (from its ``.attrs``) or of a Tables object."""
    attrs = getattr(obj, "attrs", None)
    if attrs and "source" in attrs:
        return Provenance.from_attrs(attrs)
    prov = getattr(obj, "provenance", None)
    if isinstance(prov, Provenance):
        return prov
    raise ValueError(
        "This object carries no spacedata provenance (was it built by load_spacecraft / "
        "load_tables? Some pandas operations drop .attrs)."
    )
