"""Citing the data as loaded: Launch Library 2 by The Space Devs, which endpoint, when, how many
records, complete or not, which snapshot (the sha256 of its ``manifest.json``) and which
spacedata read it.

>>> import spacedata
>>> df = spacedata.load_spacecraft("local")
>>> print(spacedata.cite(df))                   # one paragraph
>>> print(spacedata.cite(df, style="bibtex"))   # an @misc entry
>>> spacedata.cite(spacedata.provenance_of(df))  # the same, from a Provenance

:func:`metadata` is the one place that builds the citation-ready metadata: :func:`cite` formats
it, and every export writes it beside its files (:mod:`spacedata.exports`). It never holds a
local path (a snapshot's ``location``), credentials or anything else about the machine that
loaded the data: only what a recipient needs to cite and check it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from . import DISTRIBUTION, __version__
from .config import CREDIT, redact
from .provenance import NOT_DATED, Provenance, provenance_of

PUBLISHER = "The Space Devs"
TITLE = "Launch Library 2"
HOMEPAGE = "https://thespacedevs.com/llapi"
STYLES = ("text", "bibtex")
#: The keys of one endpoint's part of :func:`metadata`, in order.
ENDPOINT_KEYS = (
    "endpoint",
    "url",
    "source",
    "fetched_at",
    "count",
    "records",
    "complete",
    "stale",
    "stale_since",
    "manifest_sha256",
)


def metadata(obj: Any, endpoint: str | None = None) -> dict:
    """Citation-ready metadata of a loader's DataFrame (provenance in ``.attrs``), a
    :class:`~spacedata.tidy.Tables` or a :class:`~spacedata.provenance.Provenance`.

    Top level: ``credit`` (``Launch Library 2 by The Space Devs``), ``publisher``,
    ``homepage``, then the primary endpoint's fields (:data:`ENDPOINT_KEYS`: ``endpoint``
    name, its ``url``, ``source``, ``fetched_at`` (ISO 8601 UTC), the ``count`` LL2 reported,
    the ``records`` held, ``complete``, ``stale`` and ``stale_since``, ``manifest_sha256``
    (None for live or cache loads)), ``description`` (one line, as charts show it),
    ``spacedata_version``, ``citation`` (the text of :func:`cite`), and ``notes`` when the data
    carries some. A Tables adds ``endpoints``: each endpoint's fields, by name, and
    ``rejected``: how many records could not be used at all (:func:`rejected_summary`).

    Holds no local path (no ``location``), no credentials (URLs are redacted). Raises
    ValueError if ``obj`` carries no spacedata provenance.
    """
    provs, notes = _provenances(obj, endpoint)
    parts = {name: _part(p, name) for name, p in provs.items()}
    meta: dict[str, Any] = {
        "credit": CREDIT,
        "publisher": PUBLISHER,
        "homepage": HOMEPAGE,
        **next(iter(parts.values())),
        "description": next(iter(provs.values())).describe(),
        "spacedata_version": __version__,
        "citation": _text(parts),
    }
    if len(parts) > 1 or _is_tables(obj):
        meta["endpoints"] = parts
    if notes:
        meta["notes"] = notes
    if _is_tables(obj):
        meta["rejected"] = rejected_summary(obj.rejected)
    return meta


def rejected_summary(rejected: Any) -> dict[str, Any]:
    """How many records could not be used (``Tables.rejected``), for a sidecar:
    ``{"records": 8, "by_endpoint": {"spacecraft": 8}, "by_reason": {"no id": 2, ...},
    "table": "rejected"}`` (``by_reason`` counts each reason's first words, e.g. ``id is not an
    integer``; ``table`` names the exported table that lists them, when one is written)."""
    if rejected is None or len(rejected) == 0:
        return {"records": 0, "by_endpoint": {}, "by_reason": {}}
    reasons = rejected["reason"].astype("string").str.split(":").str[0].fillna("unknown")
    return {
        "records": len(rejected),
        "by_endpoint": {str(k): int(v) for k, v in rejected["endpoint"].value_counts().items()},
        "by_reason": {str(k): int(v) for k, v in reasons.value_counts().items()},
    }


def cite(obj: Any, style: str = "text", endpoint: str | None = None) -> str:
    """A citation of the data as loaded, for a methods section or a reference list.

    ``obj``: a DataFrame from a loader (its ``.attrs`` hold the provenance; some pandas
    operations drop them), a :class:`~spacedata.tidy.Tables` (every endpoint it holds), or a
    :class:`~spacedata.provenance.Provenance`. ``style``: ``"text"`` (one paragraph) or
    ``"bibtex"`` (an ``@misc`` entry; the key is ``ll2_<endpoints>_<YYYYMMDD>``).
    ``endpoint``: name the endpoint of a Provenance (default: from its URL).

    The citation names Launch Library 2 by The Space Devs, each endpoint's URL, when it was
    fetched (UTC), the records held of the count LL2 reported and whether that is all, the
    snapshot's manifest sha256 (a snapshot load), whether the data was stale, and the software
    that read it by its name on the index (``Loaded with ll2-spacedata 0.1.0``). SYNTHETIC data says so first. Raises ValueError for an unknown style or an object
    without provenance.
    """
    if style not in STYLES:
        raise ValueError(f"style={style!r}: use one of {', '.join(STYLES)}.")
    provs, _ = _provenances(obj, endpoint)
    parts = {name: _part(p, name) for name, p in provs.items()}
    return _text(parts) if style == "text" else _bibtex(parts)


# ------------------------------------------------------------------------------- building


def _is_tables(obj: Any) -> bool:
    return hasattr(obj, "sources") and hasattr(obj, "provenance_for")


def _provenances(obj: Any, endpoint: str | None) -> tuple[dict[str, Provenance], list[str]]:
    """Each endpoint's provenance by name (the primary first) and the notes, from ``obj``."""
    if _is_tables(obj):
        provs: dict[str, Provenance] = dict(obj.sources)
        if not provs and obj.provenance is not None:
            provs = {"spacecraft": obj.provenance}
        if not provs:
            raise ValueError("These tables carry no spacedata provenance (built without one).")
        locations = {p.location for p in provs.values()}
        notes = [_scrub(n, locations) for n in obj.notes]
        return provs, notes
    if isinstance(obj, Provenance):
        prov, name, notes = obj, endpoint, []
    else:
        prov = provenance_of(obj)
        attrs = obj.attrs
        name = endpoint or attrs.get("endpoint")
        notes = [attrs["note"]] if attrs.get("note") else []
        notes = [_scrub(n, {prov.location}) for n in notes]
    return {name or prov.endpoint_name or "spacecraft": prov}, notes


def _part(prov: Provenance, name: str) -> dict[str, Any]:
    part = {
        "endpoint": name,
        "url": prov.endpoint_url,
        "source": prov.source,
        "fetched_at": _iso(prov.fetched_at),
        "count": prov.count,
        "records": prov.records,
        "complete": prov.complete,
        "stale": prov.stale_since is not None,
        "stale_since": _iso(prov.stale_since),
        "manifest_sha256": prov.manifest_sha256,
    }
    if prov.published_url:  # read from a published release (spacedata.remote)
        part["published"] = {"url": prov.published_url, "version": prov.published_version}
    return part


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (``2026-11-23T10:30:00+00:00``, as ``Provenance.as_attrs`` writes it,
    which Python 3.10's ``datetime.fromisoformat`` reads back); a naive datetime is UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _scrub(text: str, locations: set[str]) -> str:
    """``text`` without local paths (snapshot locations) and without credentials in URLs."""
    for loc in sorted(locations, key=len, reverse=True):
        if loc and not loc.startswith(("http://", "https://")):
            text = text.replace(loc, "<snapshot>")
    return redact(text)


def _held(parts: Mapping[str, dict]) -> dict[str, dict]:
    """The endpoints whose data the source holds (an absent one has no records and no count)."""
    held = {n: p for n, p in parts.items() if p["records"] or p["count"] is not None}
    return held or dict(list(parts.items())[:1])


# ------------------------------------------------------------------------------ formatting

_LABELS = {"bundled": "the bundled sample snapshot", "snapshot": "a fetched snapshot"}


def _when(p: dict) -> str:
    if not p["fetched_at"]:
        return NOT_DATED
    at = datetime.fromisoformat(p["fetched_at"])
    return f"fetched {at:%Y-%m-%d %H:%M} UTC"


def _counts(p: dict) -> str:
    if not p["records"] and p["count"] is None:
        return "no records in this source"
    of = f"{p['count']:,}" if p["count"] is not None else "an unknown number of"
    state = "complete" if p["complete"] else "incomplete"
    if not p["complete"] and p["source"] == "bundled":
        state = "partial sample"
    return f"{p['records']:,} of {of} records, {state}"


def _endpoint_line(p: dict) -> str:
    url = f" ({p['url']})" if p["url"] else ""
    stale = ""
    if p["stale"]:
        at = datetime.fromisoformat(p["stale_since"])
        stale = f", STALE since {at:%Y-%m-%d %H:%M} UTC (served past its freshness)"
    return f"{p['endpoint']}{url}: {_counts(p)}, {_when(p)}{stale}"


def _source_line(parts: Mapping[str, dict]) -> str:
    first = next(iter(parts.values()))
    source = first["source"]
    if source in ("live", "cache"):
        text = "Read from the LL2 API" + (
            " through a local HTTP cache" if source == "cache" else ""
        )
    else:
        text = "Read from " + _LABELS.get(source, f"a {source} snapshot")
    if first.get("published"):
        text += (
            f", release {first['published']['version']} published at {first['published']['url']}"
        )
    shas = {p["manifest_sha256"] for p in parts.values() if p["manifest_sha256"]}
    if shas:
        text += f" (manifest.json sha256 {', '.join(sorted(shas))})"
    return text


def _year(parts: Mapping[str, dict]) -> str:
    stamps = [p["fetched_at"] for p in parts.values() if p["fetched_at"]]
    return min(stamps)[:4] if stamps else "n.d."


def _synthetic(parts: Mapping[str, dict]) -> bool:
    return any(p["source"] == "synthetic" for p in parts.values())


def _text(parts: Mapping[str, dict]) -> str:
    held = _held(parts)
    lead = (
        "SYNTHETIC data, not real records: resampled by spacedata from Launch Library 2 records. "
        if _synthetic(parts)
        else ""
    )
    return (
        f"{lead}{PUBLISHER} ({_year(held)}). {TITLE} (LL2) [data set]. {HOMEPAGE}. "
        + ("Endpoints " if len(held) > 1 else "Endpoint ")
        + "; ".join(_endpoint_line(p) for p in held.values())
        + f". {_source_line(held)}. Loaded with {DISTRIBUTION} {__version__}."
    )


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_BIBTEX_REPLACE = {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _tex(text: str) -> str:
    """``text`` with LaTeX's special characters escaped, for a BibTeX field."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_REPLACE.get(m.group(1), "\\" + m.group(1)), text)


def _bibtex(parts: Mapping[str, dict]) -> str:
    held = _held(parts)
    stamps = sorted(p["fetched_at"] for p in held.values() if p["fetched_at"])
    day = stamps[0][:10].replace("-", "") if stamps else "nd"
    key = "ll2_" + "_".join(re.sub(r"[^a-z0-9]", "", n.lower()) for n in held) + f"_{day}"
    urls = [p["url"] for p in held.values() if p["url"]]
    title = f"{{{TITLE} (LL2)}}: " + _tex(", ".join(held))
    if _synthetic(held):
        title = "SYNTHETIC data resampled from " + title
    note = (
        "; ".join(_endpoint_line({**p, "url": None}) for p in held.values())
        + f". {_source_line(held)}. Loaded with {DISTRIBUTION} {__version__}."
    )
    fields = [
        ("author", f"{{{PUBLISHER}}}"),
        ("title", title),
        ("year", _year(held)),
        ("publisher", PUBLISHER),
        ("howpublished", f"\\url{{{urls[0] if urls else HOMEPAGE}}}"),
        ("url", urls[0] if urls else HOMEPAGE),
    ]
    if stamps:
        fields.append(("urldate", stamps[0][:10]))
    fields.append(("note", _tex(note)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"
