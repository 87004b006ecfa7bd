"""A local server that behaves like LL2's /2.3.0/spacecraft/ and /2.3.0/api-throttle/.

It runs for real on 127.0.0.1 (pytest-httpserver/werkzeug) and implements what the client
depends on: offset pagination with an absolute ``next`` link, ``limit`` capped at 100 (default
10), the documented filters, ``search``, ``ordering``, a per-"hour" quota answered with DRF's 429
shape, and faults switched on by attributes: 500s, count drift, records that move between pages
(``after_page`` hooks), truncated JSON, HTML pages, a body that drips one byte at a time,
malformed envelopes (``envelope``), junk items in ``results``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug import Request, Response

API = "/2.3.0/"


@dataclass
class Seen:
    path: str
    args: dict
    authorization: str | None


@dataclass
class FakeLL2:
    records: list[dict]
    base: str = ""  # set by the fixture: http://127.0.0.1:PORT/2.3.0/
    quota: int = 10_000  # calls per "hour"; the api-throttle endpoint does not count
    used: int = 0
    retry_after: int | None = 1234
    retry_after_header: str | None = None  # sent instead of str(retry_after), e.g. an HTTP date
    fail_next: int = 0  # the next N spacecraft requests answer 500
    truncate_offsets: set = field(default_factory=set)
    html_offsets: set = field(default_factory=set)
    drift_after_first_page: list = field(default_factory=list)  # records added after page 1
    #: offset -> function(fake) run once, right after the page at that offset is served.
    after_page: dict[int, Callable[[FakeLL2], None]] = field(default_factory=dict)
    #: offset -> keys to overwrite in that page's envelope (``{"count": "many"}``); a value
    #: of ``DROP`` removes the key.
    envelope: dict[int, dict] = field(default_factory=dict)
    junk_offsets: set = field(default_factory=set)  # pages whose items 10-12 are not objects
    drip_offsets: set = field(default_factory=set)  # pages sent one byte every drip_s seconds
    drip_s: float = 0.2
    seen: list[Seen] = field(default_factory=list)

    @property
    def spacecraft_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/spacecraft/")]

    def handle(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.seen.append(Seen(request.path, args, request.headers.get("Authorization")))
        if request.path == API + "api-throttle/":
            ident = "token" if request.headers.get("Authorization") else "127.0.0.1"
            return _json(
                [
                    {
                        "your_request_limit": self.quota,
                        "limit_frequency_secs": 3600,
                        "current_use": self.used,
                        "next_use_secs": 0 if self.used < self.quota else self.retry_after or 0,
                        "ident": ident,
                    }
                ]
            )
        if request.path != API + "spacecraft/":
            return _json({"detail": "Not found."}, 404)
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(
                "<html><body>502 Bad Gateway</body></html>", 500, content_type="text/html"
            )
        self.used += 1
        if self.used > self.quota:
            header = self.retry_after_header or (
                str(self.retry_after) if self.retry_after is not None else None
            )
            headers = {"Retry-After": header} if header else {}
            secs = self.retry_after if self.retry_after is not None else 321
            return _json(
                {"detail": f"Request was throttled. Expected available in {secs} seconds."},
                429,
                headers,
            )
        offset = int(args.get("offset", 0))
        if offset in self.html_offsets:
            return Response(
                "<!DOCTYPE html><html><title>Maintenance</title></html>",
                200,
                content_type="text/html",
            )
        limit = min(int(args.get("limit", 10)), 100)
        rows = self.select(args)
        page = rows[offset : offset + limit]
        nxt = None
        if offset + limit < len(rows):
            nxt = (
                self.base
                + "spacecraft/?"
                + urlencode({**args, "limit": limit, "offset": offset + limit})
            )
        prev = None
        if offset > 0:
            prev = (
                self.base
                + "spacecraft/?"
                + urlencode({**args, "limit": limit, "offset": max(offset - limit, 0)})
            )
        envelope = {"count": len(rows), "next": nxt, "previous": prev, "results": page}
        if offset in self.junk_offsets:
            envelope["results"] = [*page[:10], 42, None, ["not", "a", "record"], *page[13:]]
        for key, value in self.envelope.get(offset, {}).items():
            if value is DROP:
                envelope.pop(key, None)
            else:
                envelope[key] = value
        body = json.dumps(envelope).encode()
        if offset in self.truncate_offsets:
            body = body[: len(body) // 2]
        if self.drift_after_first_page:
            self.records.extend(self.drift_after_first_page)
            self.drift_after_first_page = []
        hook = self.after_page.pop(offset, None)
        if hook is not None:
            hook(self)
        if offset in self.drip_offsets:
            return Response(
                _drip(body, self.drip_s),
                200,
                headers={"Content-Length": str(len(body))},
                content_type="application/json",
            )
        return Response(body, 200, content_type="application/json")

    def select(self, args: dict) -> list[dict]:
        rows = list(self.records)

        def flag(v: str) -> bool:
            return v.lower() in ("true", "1")

        if "in_space" in args:
            rows = [r for r in rows if r["in_space"] == flag(args["in_space"])]
        if "is_placeholder" in args:
            rows = [r for r in rows if r["is_placeholder"] == flag(args["is_placeholder"])]
        if "name" in args:
            rows = [r for r in rows if r["name"] == args["name"]]
        if "spacecraft_config" in args:
            rows = [
                r for r in rows if r["spacecraft_config"]["id"] == int(args["spacecraft_config"])
            ]
        if "status" in args:
            rows = [r for r in rows if r["status"]["id"] == int(args["status"])]
        if "search" in args:
            q = args["search"].lower()
            rows = [
                r
                for r in rows
                if q in r["name"].lower() or q in r["spacecraft_config"]["name"].lower()
            ]
        # DRF's OrderingFilter: comma-separated fields, each optionally prefixed by "-".
        for order in reversed(args.get("ordering", "id").split(",")):
            key = order.lstrip("-")
            rows.sort(
                key=lambda r, key=key: _sort_key(r.get(key)),
                reverse=order.startswith("-"),
            )
        return rows


DROP = object()


def _sort_key(value: object) -> tuple:
    """Nulls last; values of odd types (a hostile record's id) after numbers, by their text."""
    if value is None:
        return (2, 0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def _drip(body: bytes, every_s: float):
    """The body one byte at a time: a server that is alive but never finishes."""
    for i in range(len(body)):
        yield body[i : i + 1]
        time.sleep(every_s)


def _json(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data), status, headers=headers or {}, content_type="application/json"
    )
