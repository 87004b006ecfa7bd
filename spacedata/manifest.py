"""The snapshot manifest: one typed model that the writer and the reader share.

``manifest.json`` says, for each endpoint a snapshot holds, where its pages came from (URL,
parameters, when), what they add up to (records, the endpoint's count, whether that is all of
them, and if not why) and how to check them (file, sha256 and size of each page).
:class:`Manifest` validates it, writes it byte for byte, checks its claims against the records
read, and is the one place that turns a snapshot into a
:class:`~spacedata.provenance.Provenance` (one per endpoint).

The format (2)::

    {"format": 2, "source": "live", "fetched_at": ..., "complete": true,
     "api_version": "2.3.0", "spacedata_version": ..., "credit": ...,
     "endpoints": {
       "spacecraft": {"endpoint": URL, "params": {...}, "fetched_at": ...,
                      "count_reported": 603, "records_received": 603, "complete": true,
                      "pages": [{"file": "pages/spacecraft/0001.json", "url": ...,
                                 "sha256": ..., "bytes": ...}, ...]},
       "spacecraft_flights": {...}}}

The top-level ``complete`` is true only when every endpoint's is; ``fetched_at`` is the oldest
endpoint's (unknown when any is). ``note``, ``stale_since``, ``problems`` and a page's
``origin`` appear only when they say something.

Every problem is one :class:`~spacedata.errors.SnapshotError` whose one-line message names the
file and the field, e.g. ``.../manifest.json: pages.0.sha256: field required``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import __version__, config
from .errors import SnapshotError
from .provenance import Provenance

MANIFEST = "manifest.json"
#: The format this version reads and writes.
FORMAT = 2
#: The endpoint the shortcuts of a :class:`Manifest` (``records_received``, ``count_reported``,
#: ...) refer to when present.
PRIMARY = "spacecraft"
API_VERSION = "2.3.0"
#: The largest page file a snapshot may hold (bytes); a manifest claiming more is refused.
MAX_PAGE_BYTES = 64 * 2**20
#: manifest ``source`` -> provenance source; any other manifest source reads as ``snapshot``.
PROVENANCE_SOURCES = {"captures": "bundled", "synthetic": "synthetic"}
#: Optional keys left out of ``manifest.json`` while they hold these values, so manifests
#: without them are rewritten byte for byte.
_OMITTED_WHEN = {"note": None, "stale_since": None, "problems": [], "origin": None}

_SAFE_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_ENDPOINT_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime (a naive one is taken to be UTC already)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


#: A UTC datetime or None: naive values are taken as UTC, written as ISO 8601.
UtcTime = Annotated[datetime | None, AfterValidator(_utc), PlainSerializer(_iso)]


class PageEntry(BaseModel):
    """One page file of a snapshot: where it is, where it came from, and its checksum.

    ``origin`` says, for a page that was not fetched by spacedata (the bundled sample's
    captures), who captured it and where it was kept; None (and left out of the file) for
    fetched pages."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    file: str
    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0, le=MAX_PAGE_BYTES)
    origin: str | None = None

    @field_validator("file")
    @classmethod
    def _relative_inside(cls, value: str) -> str:
        """A plain relative path below the snapshot directory (``pages/0001.json``)."""
        shown = repr(value[:80])
        if value.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(value):
            raise PydanticCustomError(
                "page_path",
                "{file} is an absolute path; page files must be relative to the snapshot",
                {"file": shown},
            )
        if ".." in value.replace("\\", "/").split("/"):
            raise PydanticCustomError(
                "page_path", "{file} leaves the snapshot directory ('..')", {"file": shown}
            )
        if not all(_SAFE_PART.fullmatch(p) for p in value.split("/")):
            raise PydanticCustomError(
                "page_path",
                "{file} is not a plain relative path (letters, digits, '.', '_', '-' and '/'; "
                "no empty or hidden parts)",
                {"file": shown},
            )
        return value


class EndpointEntry(BaseModel):
    """One endpoint's part of a snapshot.

    Attributes:
        endpoint: the URL the pages came from.
        params: the query parameters of the sync, None if unknown.
        fetched_at: when LL2 sent the oldest of its pages (UTC), None if unknown.
        count_reported: the endpoint's ``count``, None if unknown.
        records_received: unique records (by id) in its pages.
        complete: True only if its pages hold every record the endpoint reported.
        stale_since: when its data stopped being fresh (expired cache pages read offline).
        problems: why it is incomplete, one sentence each; empty when complete.
        pages: one :class:`PageEntry` per page file, in page order.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    endpoint: str
    params: dict[str, Any] | None
    fetched_at: UtcTime
    count_reported: int | None = Field(ge=0)
    records_received: int = Field(ge=0)
    complete: bool
    stale_since: UtcTime = None
    problems: list[str] = Field(default_factory=list)
    pages: list[PageEntry]


def _known_format(value: int) -> int:
    if value != FORMAT:
        raise PydanticCustomError(
            "format",
            "format {format} is not one this spacedata reads (it reads format {known}); "
            "upgrade spacedata or fetch the snapshot again",
            {"format": value, "known": FORMAT},
        )
    return value


class Manifest(BaseModel):
    """A snapshot's ``manifest.json``.

    Attributes:
        format: 2.
        source: ``live``/``cache`` (fetched), ``captures`` (the bundled sample), ``synthetic``.
        fetched_at: when LL2 sent the oldest page of any endpoint (UTC), None if unknown.
        complete: True only if every endpoint is complete.
        note: free text for people (the bundled sample says what it is).
        stale_since: when the data stopped being fresh (expired cache pages read offline).
        api_version, spacedata_version, credit: what wrote it, and the data credit.
        endpoints: one :class:`EndpointEntry` per endpoint, by name (``spacecraft``,
            ``spacecraft_flights``), in the order they were fetched.

    The properties ``endpoint``, ``params``, ``count_reported`` and ``records_received`` are
    those of the primary endpoint (``spacecraft`` when present, else the first); ``pages`` and
    ``problems`` gather every endpoint's.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: int
    source: str
    fetched_at: UtcTime
    complete: bool
    note: str | None = None
    stale_since: UtcTime = None
    api_version: str
    spacedata_version: str
    credit: str
    endpoints: dict[str, EndpointEntry]

    @field_validator("format")
    @classmethod
    def _known(cls, value: int) -> int:
        return _known_format(value)

    @field_validator("endpoints")
    @classmethod
    def _named_and_distinct(cls, value: dict[str, EndpointEntry]) -> dict[str, EndpointEntry]:
        if not value:
            raise PydanticCustomError("endpoints", "a snapshot holds at least one endpoint")
        for name in value:
            if not _ENDPOINT_NAME.fullmatch(name):
                raise PydanticCustomError(
                    "endpoints",
                    "{name} is not an endpoint name (lower-case letters, digits and '_')",
                    {"name": repr(name[:40])},
                )
        files = [p.file for part in value.values() for p in part.pages]
        if len(set(files)) != len(files):
            twice = next(f for f in files if files.count(f) > 1)
            raise PydanticCustomError(
                "endpoints", "page file {file} is listed twice", {"file": repr(twice[:80])}
            )
        return value

    @model_validator(mode="after")
    def _complete_means_every_endpoint(self) -> Manifest:
        open_ = [n for n, p in self.endpoints.items() if not p.complete]
        if self.complete and open_:
            raise PydanticCustomError(
                "complete",
                "'complete' says true but {names} is incomplete",
                {"names": ", ".join(open_)},
            )
        if not self.complete and not open_:
            raise PydanticCustomError(
                "complete", "'complete' says false but every endpoint is complete", {}
            )
        return self

    # ------------------------------------------------------------------------------ parts

    @property
    def primary(self) -> str:
        """``spacecraft`` if the snapshot holds it, else its first endpoint."""
        return PRIMARY if PRIMARY in self.endpoints else next(iter(self.endpoints))

    def part(self, name: str | None = None) -> EndpointEntry:
        """The entry of endpoint ``name`` (default: the primary). KeyError if absent."""
        return self.endpoints[self.primary if name is None else name]

    def has(self, name: str) -> bool:
        return name in self.endpoints

    @property
    def endpoint(self) -> str:
        return self.part().endpoint

    @property
    def params(self) -> dict[str, Any] | None:
        return self.part().params

    @property
    def count_reported(self) -> int | None:
        return self.part().count_reported

    @property
    def records_received(self) -> int:
        return self.part().records_received

    @property
    def pages(self) -> list[PageEntry]:
        """Every page entry, endpoint by endpoint."""
        return [p for part in self.endpoints.values() for p in part.pages]

    @property
    def problems(self) -> list[str]:
        """Every endpoint's problems (prefixed by its name when there are several)."""
        several = len(self.endpoints) > 1
        return [
            f"{name}: {p}" if several else p
            for name, part in self.endpoints.items()
            for p in part.problems
        ]

    # ----------------------------------------------------------------------------- reading

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> Manifest:
        """Parse and validate ``manifest.json`` bytes; ``where`` names the file in errors.

        Types are strict (``"603"`` is not a count, ``1`` is not ``true``); unknown keys are
        ignored. Raises :class:`SnapshotError` with one line naming the file and the field.
        """
        try:
            return cls.model_validate_json(raw, strict=True)
        except ValidationError as exc:
            raise SnapshotError(
                _one_line(where, exc, f"Fetch the snapshot again, or restore {MANIFEST}.")
            ) from None

    # ----------------------------------------------------------------------------- writing

    @classmethod
    def build_endpoints(
        cls,
        fields: Mapping[str, Any],
        parts: Mapping[str, Mapping[str, Any]],
        where: str,
    ) -> Manifest:
        """A manifest: ``fields`` (source, optionally note) and, by endpoint name,
        each part's fields (endpoint, params, fetched_at, count_reported, records_received,
        complete, pages, optionally stale_since, problems). The top-level ``fetched_at``,
        ``complete`` and ``stale_since`` are derived from the parts unless given. Raises
        :class:`SnapshotError` naming the field if one is missing or wrong."""
        stamps = [_utc(_dt(p.get("fetched_at"))) for p in parts.values()]
        stale = [_utc(_dt(p.get("stale_since"))) for p in parts.values()]
        data = {
            "format": FORMAT,
            # the oldest endpoint's; unknown when any endpoint's is unknown
            "fetched_at": None if None in stamps else min(stamps, default=None),
            "complete": bool(parts) and all(p.get("complete") is True for p in parts.values()),
            "stale_since": min((t for t in stale if t), default=None),
            **fields,
            "api_version": API_VERSION,
            "spacedata_version": __version__,
            "credit": config.CREDIT,
            "endpoints": {name: dict(part) for name, part in parts.items()},
        }
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SnapshotError(
                _one_line(where, exc, "Nothing was written; pass the field as documented.")
            ) from None

    def to_json(self) -> bytes:
        """``manifest.json`` as written: 2-space indented, keys in field order, trailing newline;
        ``note``, ``stale_since``, ``problems`` and ``origin`` only when they say something."""
        data = self.model_dump(mode="json")
        _omit(data)
        for part in data["endpoints"].values():
            _omit(part)
            for page in part["pages"]:
                _omit(page)
        return (json.dumps(data, indent=2) + "\n").encode("utf-8")

    # ------------------------------------------------------------------- claims, provenance

    def check_records(self, records: Mapping[str, int], where: str) -> None:
        """Check each endpoint's claims against the ``records`` (unique, by id) its pages hold,
        by endpoint name.

        ``records_received`` must equal them; ``complete: true`` also needs ``count_reported``
        to equal them. An incomplete endpoint may report any count. Raises SnapshotError.
        """
        for name, part in self.endpoints.items():
            held = records[name]
            at = f"{where}: endpoints.{name}"
            if part.records_received != held:
                raise SnapshotError(
                    f"{at}.records_received says {part.records_received} but its pages hold "
                    f"{held} records; the manifest or a page was changed. Fetch the snapshot "
                    "again."
                )
            if part.complete and part.count_reported != held:
                claimed = (
                    f"{part.count_reported} records"
                    if part.count_reported is not None
                    else "no count"
                )
                raise SnapshotError(
                    f"{at}: claims complete ({claimed}) but its pages hold {held}; the manifest "
                    "was changed or written wrongly. Fetch the snapshot again."
                )

    def provenance(
        self, location: str, endpoint: str | None = None, *, manifest_sha256: str | None = None
    ) -> Provenance:
        """The :class:`Provenance` of endpoint ``endpoint`` (default: the primary) of a
        snapshot with this manifest read from ``location`` (the path the user named, not a
        version directory inside it). ``manifest_sha256``: the sha256 of the ``manifest.json``
        bytes as read, which names this exact snapshot in a citation."""
        part = self.part(endpoint)
        return Provenance(
            source=PROVENANCE_SOURCES.get(self.source, "snapshot"),
            fetched_at=part.fetched_at,
            count=part.count_reported,
            records=part.records_received,
            complete=part.complete,
            location=location,
            stale_since=part.stale_since,
            url=config.redact(part.endpoint),
            manifest_sha256=manifest_sha256,
        )


def _omit(data: dict) -> None:
    for key, empty in _OMITTED_WHEN.items():
        if key in data and data[key] == empty:
            del data[key]


def _dt(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _one_line(where: str, exc: ValidationError, hint: str) -> str:
    """The first validation error as ``<where>: <field.path>: <message>`` on one line."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    msg = " ".join(str(first["msg"]).split())
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first["type"] == "json_invalid":
        return (
            f"{where}: is not valid JSON ({msg.removeprefix('Invalid JSON: ')}); "
            "the manifest was damaged. Fetch the snapshot again."
        )
    loc = ".".join(str(p) for p in first["loc"]) or "top level"
    msg = msg[:1].lower() + msg[1:]
    return f"{where}: {loc}: {msg}{more}. {hint}"
