"""The snapshot manifest: one typed model that the writer and the reader share.

``manifest.json`` says where a snapshot's pages came from (endpoint, parameters, when), what
they add up to (records, the endpoint's count, whether that is all of them, and if not why)
and how to check them (file, sha256 and size of each page). :class:`Manifest` validates it,
writes it byte for byte as earlier releases did, checks its claims against the records read,
and is the one place that turns a snapshot into a :class:`~spacedata.provenance.Provenance`.

Every problem is one :class:`~spacedata.errors.SnapshotError` whose one-line message names the
file and the field, e.g. ``.../manifest.json: pages.0.sha256: field required``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
)
from pydantic_core import PydanticCustomError

from . import __version__, config
from .errors import SnapshotError
from .provenance import Provenance

MANIFEST = "manifest.json"
FORMAT = 1
API_VERSION = "2.3.0"
#: The largest page file a snapshot may hold (bytes); a manifest claiming more is refused.
MAX_PAGE_BYTES = 64 * 2**20
#: manifest ``source`` -> provenance source; any other manifest source reads as ``snapshot``.
PROVENANCE_SOURCES = {"captures": "bundled", "synthetic": "synthetic"}
#: Optional keys left out of ``manifest.json`` while they hold these values, so manifests
#: without them (the bundled one, earlier releases') are rewritten byte for byte.
_OMITTED_WHEN = {"note": None, "stale_since": None, "problems": []}

_SAFE_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime (a naive one is taken to be UTC already)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class PageEntry(BaseModel):
    """One page file of a snapshot: where it is, where it came from, and its checksum."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    file: str
    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0, le=MAX_PAGE_BYTES)

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


class Manifest(BaseModel):
    """``manifest.json`` of a snapshot (format 1).

    Attributes:
        format: always 1.
        source: ``live``/``cache`` (fetched), ``captures`` (the bundled sample), ``synthetic``.
        endpoint: the endpoint URL the pages came from.
        params: the query parameters of the sync, None if unknown.
        fetched_at: when LL2 sent the oldest page (UTC), None if unknown.
        count_reported: the endpoint's ``count``, None if unknown.
        records_received: unique records (by id) in the pages.
        complete: True only if the pages hold every record the endpoint reported.
        note: free text for people (the bundled sample says what it is).
        stale_since: when the data stopped being fresh (expired cache pages read offline).
        problems: why the sync is incomplete, one sentence each; empty when complete.
        api_version, spacedata_version, credit: what wrote it, and the data credit.
        pages: one :class:`PageEntry` per page file, in page order.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: int
    source: str
    endpoint: str
    params: dict[str, Any] | None
    fetched_at: datetime | None
    count_reported: int | None = Field(ge=0)
    records_received: int = Field(ge=0)
    complete: bool
    note: str | None = None
    stale_since: datetime | None = None
    problems: list[str] = Field(default_factory=list)
    api_version: str
    spacedata_version: str
    credit: str
    pages: list[PageEntry]

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value != FORMAT:
            raise PydanticCustomError(
                "format",
                "format {format} is not one this spacedata reads (it reads format {known}); "
                "upgrade spacedata or fetch the snapshot again",
                {"format": value, "known": FORMAT},
            )
        return value

    @field_validator("fetched_at", "stale_since")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @field_serializer("fetched_at", "stale_since")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat() if value else None

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
    def build(
        cls, fields: Mapping[str, Any], pages: Sequence[Mapping[str, Any]], where: str
    ) -> Manifest:
        """The manifest of a new snapshot: ``fields`` (source, endpoint, params, fetched_at,
        count_reported, records_received, complete, optionally note, stale_since, problems)
        plus the page entries and what wrote it. ``fetched_at`` may be a datetime or an ISO
        string. Raises :class:`SnapshotError` naming the field if one is missing or wrong."""
        data = {
            **fields,
            "format": FORMAT,
            "api_version": API_VERSION,
            "spacedata_version": __version__,
            "credit": config.CREDIT,
            "pages": list(pages),
        }
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SnapshotError(
                _one_line(where, exc, "Nothing was written; pass the field as documented.")
            ) from None

    def to_json(self) -> bytes:
        """``manifest.json`` as written: 2-space indented, keys in field order, trailing newline;
        ``note``, ``stale_since`` and ``problems`` only when they say something."""
        data = self.model_dump(mode="json")
        for key, empty in _OMITTED_WHEN.items():
            if data[key] == empty:
                del data[key]
        return (json.dumps(data, indent=2) + "\n").encode("utf-8")

    # ------------------------------------------------------------------- claims, provenance

    def check_records(self, records: int, where: str) -> None:
        """Check the manifest's claims against the ``records`` (unique, by id) its pages hold.

        ``records_received`` must equal them; ``complete: true`` also needs ``count_reported``
        to equal them. An incomplete snapshot may report any count. Raises SnapshotError.
        """
        if self.records_received != records:
            raise SnapshotError(
                f"{where}: records_received says {self.records_received} but its pages hold "
                f"{records} records; the manifest or a page was changed. Fetch the snapshot again."
            )
        if self.complete and self.count_reported != records:
            claimed = (
                f"{self.count_reported} records" if self.count_reported is not None else "no count"
            )
            raise SnapshotError(
                f"{where}: claims complete ({claimed}) but its pages hold {records}; "
                "the manifest was changed or written wrongly. Fetch the snapshot again."
            )

    def provenance(self, location: str) -> Provenance:
        """The :class:`Provenance` of a snapshot with this manifest read from ``location``
        (the path the user named, not a version directory inside it)."""
        return Provenance(
            source=PROVENANCE_SOURCES.get(self.source, "snapshot"),
            fetched_at=self.fetched_at,
            count=self.count_reported,
            records=self.records_received,
            complete=self.complete,
            location=location,
            stale_since=self.stale_since,
        )


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
