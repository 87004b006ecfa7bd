"""A local server that behaves like LL2's /2.3.0/spacecraft/, /2.3.0/spacecraft_flights/ and
/2.3.0/api-throttle/.

It runs for real on 127.0.0.1 (pytest-httpserver/werkzeug) and implements what the client
depends on: offset pagination with an absolute ``next`` link, ``limit`` capped at 100 (default
10), the documented filters, ``search``, ``ordering``, ``mode``, a per-"hour" quota shared by
the endpoints and answered with DRF's 429 shape, and faults switched on by attributes of each
endpoint (:class:`FakeEndpoint`): 500s, count drift, records that move between pages
(``after_page`` hooks), truncated JSON, HTML pages, a body that drips one byte at a time,
malformed envelopes (``envelope``), junk items in ``results``.

The spacecraft endpoint's attributes are also reachable on the server itself, as before
(``ll2.records``, ``ll2.envelope = {...}``); the flights endpoint is ``ll2.flights``
(``ll2.flights.records``, ``ll2.flights.html_offsets = {...}``).

And the ordinary HTTP that real servers and CDNs speak (attributes of :class:`FakeLL2`):
``content_encoding`` (answers compressed with gzip, deflate, or a named encoding the client
did not ask for), ``redirects`` (a 302 on the same host, to another host name, or to another
server given as a base URL; ``redirect_loop`` for a chain that never ends), ``refuse`` (401 or
403 for every request), ``pad_offsets`` (pages padded to a given size; ``chunked`` sends them
without a Content-Length), ``bomb_offsets`` (a small gzip body that decodes to ``bomb_bytes``),
``endless_next`` (a ``next`` link on every page, past the end) and ``retry_after_detail`` (the
text of a 429's ``detail``).

The quota window is a virtual clock: ``advance(seconds)`` moves it (a test's ``sleep``), and
when a whole window has passed the calls used are forgotten, as LL2's are after an hour.
"""

from __future__ import annotations

import functools
import json
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from werkzeug import Request, Response

API = "/2.3.0/"
DROP = object()


@dataclass
class Seen:
    path: str
    args: dict
    authorization: str | None
    accept_encoding: str | None = None
    host: str | None = None


def _flag(v: str) -> bool:
    return v.lower() in ("true", "1")


def _spacecraft_rows(rows: list[dict], args: dict) -> list[dict]:
    if "in_space" in args:
        rows = [r for r in rows if r["in_space"] == _flag(args["in_space"])]
    if "is_placeholder" in args:
        rows = [r for r in rows if r["is_placeholder"] == _flag(args["is_placeholder"])]
    if "name" in args:
        rows = [r for r in rows if r["name"] == args["name"]]
    if "spacecraft_config" in args:
        rows = [r for r in rows if r["spacecraft_config"]["id"] == int(args["spacecraft_config"])]
    if "status" in args:
        rows = [r for r in rows if r["status"]["id"] == int(args["status"])]
    if "search" in args:
        q = args["search"].lower()
        rows = [
            r for r in rows if q in r["name"].lower() or q in r["spacecraft_config"]["name"].lower()
        ]
    return rows


def _flight_rows(rows: list[dict], args: dict) -> list[dict]:
    if "spacecraft" in args:
        rows = [r for r in rows if _dig(r, "spacecraft.id") == int(args["spacecraft"])]
    if "search" in args:  # LL2 does not document the fields; spacecraft and launch names here
        q = args["search"].lower()
        rows = [
            r
            for r in rows
            if q in str(_dig(r, "spacecraft.name")).lower()
            or q in str(_dig(r, "launch.name")).lower()
        ]
    return rows


def _detailed_flight(record: dict) -> dict:
    from spacedata.synthetic import detailed

    return detailed(record) if "launch_crew" not in record else record


@dataclass
class FakeEndpoint:
    """One list endpoint of the fake, with its records and its fault switches."""

    name: str
    records: list[dict]
    select_rows: Callable[[list[dict], dict], list[dict]]
    detailed: Callable[[dict], dict] | None = None  # the record in mode=detailed
    fail_next: int = 0  # the next N requests answer 500
    truncate_offsets: set = field(default_factory=set)
    html_offsets: set = field(default_factory=set)
    drift_after_first_page: list = field(default_factory=list)  # records added after page 1
    #: offset -> function(endpoint) run once, right after the page at that offset is served.
    after_page: dict[int, Callable[[FakeEndpoint], None]] = field(default_factory=dict)
    #: offset -> keys to overwrite in that page's envelope (``{"count": "many"}``); a value
    #: of ``DROP`` removes the key.
    envelope: dict[int, dict] = field(default_factory=dict)
    junk_offsets: set = field(default_factory=set)  # pages whose items 10-12 are not objects
    drip_offsets: set = field(default_factory=set)  # pages sent one byte every drip_s seconds
    drip_s: float = 0.2
    #: offset -> bytes: that page padded (a valid page, with a long "padding" string) to at least
    #: this size; sent with a Content-Length unless ``chunked``.
    pad_offsets: dict[int, int] = field(default_factory=dict)
    chunked: bool = False
    bomb_offsets: set = field(default_factory=set)  # a small gzip body of bomb_bytes zeros
    bomb_bytes: int = 200_000_000
    endless_next: bool = False  # a 'next' link on every page, even past the last record

    @property
    def path(self) -> str:
        return API + self.name + "/"

    def select(self, args: dict) -> list[dict]:
        rows = self.select_rows(list(self.records), args)
        # DRF's OrderingFilter: comma-separated fields, each optionally prefixed by "-";
        # "a__b" orders by a related field.
        for order in reversed(args.get("ordering", "id").split(",")):
            key = order.lstrip("-").replace("__", ".")
            rows.sort(key=lambda r, key=key: _sort_key(_dig(r, key)), reverse=order.startswith("-"))
        return rows

    def page(self, base: str, args: dict) -> Response:
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(
                "<html><body>502 Bad Gateway</body></html>", 500, content_type="text/html"
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
        if args.get("mode") == "detailed" and self.detailed is not None:
            page = [self.detailed(r) if isinstance(r, dict) else r for r in page]
        url = base + self.name + "/?"
        nxt = None
        if offset + limit < len(rows) or self.endless_next:
            nxt = url + urlencode({**args, "limit": limit, "offset": offset + limit})
        prev = None
        if offset > 0:
            prev = url + urlencode({**args, "limit": limit, "offset": max(offset - limit, 0)})
        envelope = {"count": len(rows), "next": nxt, "previous": prev, "results": page}
        if offset in self.junk_offsets:
            envelope["results"] = [*page[:10], 42, None, ["not", "a", "record"], *page[13:]]
        for key, value in self.envelope.get(offset, {}).items():
            if value is DROP:
                envelope.pop(key, None)
            else:
                envelope[key] = value
        if offset in self.pad_offsets:
            envelope["padding"] = "x" * self.pad_offsets[offset]
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
        if offset in self.bomb_offsets:
            return Response(
                _bomb(self.bomb_bytes),
                200,
                headers={"Content-Encoding": "gzip"},
                content_type="application/json",
            )
        if offset in self.pad_offsets and self.chunked:
            chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
            return Response(chunks, 200, content_type="application/json")
        return Response(body, 200, content_type="application/json")


#: Attributes of the server that are those of its spacecraft endpoint.
_SPACECRAFT_ATTRS = frozenset(
    {
        "records",
        "fail_next",
        "truncate_offsets",
        "html_offsets",
        "drift_after_first_page",
        "after_page",
        "envelope",
        "junk_offsets",
        "drip_offsets",
        "drip_s",
        "pad_offsets",
        "chunked",
        "bomb_offsets",
        "bomb_bytes",
        "endless_next",
        "select",
    }
)


class FakeLL2:
    """The fake LL2: ``records`` are the spacecraft, ``flights`` the flight records."""

    def __init__(
        self,
        records: list[dict],
        flights: list[dict] | None = None,
        base: str = "",
        quota: int = 10_000,
    ):
        object.__setattr__(
            self,
            "endpoints",
            {
                "spacecraft": FakeEndpoint("spacecraft", records, _spacecraft_rows),
                "spacecraft_flights": FakeEndpoint(
                    "spacecraft_flights", list(flights or []), _flight_rows, _detailed_flight
                ),
            },
        )
        self.base = base  # set by the fixture: http://127.0.0.1:PORT/2.3.0/
        self.quota = quota  # calls per window; the api-throttle endpoint does not count
        self.used = 0
        self.retry_after: int | None = 1234  # a 429's Retry-After (and DRF detail) seconds
        self.retry_after_header: str | None = None  # sent instead, e.g. an HTTP date
        self.window_s = 3600  # the quota's period
        self.retry_after_text: str | None = None  # the seconds in a 429's detail, as text
        self.clock = 0.0  # virtual seconds; advance() moves it
        self.window_start = 0.0
        self.seen: list[Seen] = []
        #: "gzip" or "deflate": every answer compressed so; any other name is sent as the
        #: header with the body unchanged (an encoding the client cannot decode).
        self.content_encoding: str | None = None
        #: offset -> where a page request is redirected (302, not counted as a call): "same"
        #: (this host, another path below the API), "other-host" (the same server under
        #: another host name: localhost <-> 127.0.0.1) or a base URL of another server.
        self.redirects: dict[int, str] = {}
        self.redirect_loop = False  # every page request redirected to itself, forever
        self.refuse: int | None = None  # 401 or 403 for every request

    # The spacecraft endpoint's attributes, on the server as before.
    def __getattr__(self, name: str):
        if name in _SPACECRAFT_ATTRS:
            return getattr(self.endpoints["spacecraft"], name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value) -> None:
        if name in _SPACECRAFT_ATTRS:
            setattr(self.endpoints["spacecraft"], name, value)
        else:
            object.__setattr__(self, name, value)

    @property
    def spacecraft(self) -> FakeEndpoint:
        return self.endpoints["spacecraft"]

    @property
    def flights(self) -> FakeEndpoint:
        return self.endpoints["spacecraft_flights"]

    def requests_to(self, name: str) -> list[Seen]:
        return [s for s in self.seen if s.path == API + name + "/"]

    @property
    def spacecraft_requests(self) -> list[Seen]:
        return self.requests_to("spacecraft")

    @property
    def flights_requests(self) -> list[Seen]:
        return self.requests_to("spacecraft_flights")

    @property
    def page_requests(self) -> list[Seen]:
        """Requests to any list endpoint (each costs a call unless it is refused)."""
        return [s for s in self.seen if s.path != API + "api-throttle/"]

    def advance(self, seconds: float) -> None:
        """Move the virtual clock; once a whole window has passed, the calls used are free
        again (as ``sleep`` in a test: pass ``ll2.advance``)."""
        self.clock += seconds
        if self.clock - self.window_start >= self.window_s:
            self.used = 0
            self.window_start = self.clock

    def next_use_secs(self) -> int:
        if self.used < self.quota:
            return 0
        return max(math.ceil(self.window_start + self.window_s - self.clock), 1)

    def handle(self, request: Request) -> Response:
        return _encoded(self._handle(request), self.content_encoding)

    def _handle(self, request: Request) -> Response:
        args = request.args.to_dict()
        path = request.path
        if path.startswith(API + "moved/"):  # where "same" redirects point
            path = API + path.removeprefix(API + "moved/")
        self.seen.append(
            Seen(
                path,
                args,
                request.headers.get("Authorization"),
                request.headers.get("Accept-Encoding"),
                request.host,
            )
        )
        if self.refuse == 401:
            return _json({"detail": "Invalid token."}, 401, {"WWW-Authenticate": "Token"})
        if self.refuse == 403:
            return _json({"detail": "You do not have permission to perform this action."}, 403)
        if path == API + "api-throttle/":
            ident = "token" if request.headers.get("Authorization") else "127.0.0.1"
            return _json(
                [
                    {
                        "your_request_limit": self.quota,
                        "limit_frequency_secs": self.window_s,
                        "current_use": self.used,
                        "next_use_secs": self.next_use_secs(),
                        "ident": ident,
                    }
                ]
            )
        endpoint = next((e for e in self.endpoints.values() if e.path == path), None)
        if endpoint is None:
            return _json({"detail": "Not found."}, 404)
        moved = self._redirect(request, endpoint, args)
        if moved is not None:
            return moved
        if endpoint.fail_next > 0:
            return endpoint.page(self.base, args)
        self.used += 1
        if self.used > self.quota:
            header = self.retry_after_header or (
                str(self.retry_after) if self.retry_after is not None else None
            )
            headers = {"Retry-After": header} if header else {}
            secs = self.retry_after if self.retry_after is not None else 321
            secs = self.retry_after_text if self.retry_after_text is not None else secs
            return _json(
                {"detail": f"Request was throttled. Expected available in {secs} seconds."},
                429,
                headers,
            )
        return endpoint.page(self.base, args)

    def _redirect(self, request: Request, endpoint: FakeEndpoint, args: dict) -> Response | None:
        query = request.query_string.decode()
        if self.redirect_loop:
            hop = int(args.get("hop", 0)) + 1
            again = urlencode({**args, "hop": hop})
            return Response("", 302, headers={"Location": f"{request.base_url}?{again}"})
        where = self.redirects.get(int(args.get("offset", 0)))
        if where is None or request.path.startswith(API + "moved/"):
            return None
        here = urlsplit(request.host_url)
        if where == "same":
            target = f"{request.host_url.rstrip('/')}{API}moved/{endpoint.name}/?{query}"
        elif where == "other-host":
            other = "127.0.0.1" if here.hostname == "localhost" else "localhost"
            target = f"{here.scheme}://{other}:{here.port}{request.path}?{query}"
        else:
            target = f"{where}{endpoint.name}/?{query}"
        return Response("", 302, headers={"Location": target})


def _encoded(resp: Response, encoding: str | None) -> Response:
    """``resp`` compressed as ``encoding`` says (the fake's ``content_encoding``)."""
    if not encoding or resp.is_streamed or resp.headers.get("Content-Encoding"):
        return resp
    body = resp.get_data()
    if encoding == "gzip":
        import gzip

        body = gzip.compress(body)
    elif encoding == "deflate":
        body = zlib.compress(body)
    resp.set_data(body)
    resp.headers["Content-Encoding"] = encoding
    return resp


@functools.lru_cache(maxsize=4)
def _bomb_body(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1000:1)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(2**20)
    parts = [z.compress(block) for _ in range(size // len(block))]
    parts.append(z.compress(bytes(size % len(block))))
    parts.append(z.flush())
    return b"".join(parts)


def _bomb(size: int):
    body = _bomb_body(size)
    yield from (body[i : i + 65536] for i in range(0, len(body), 65536))


def _dig(record: object, path: str) -> object:
    for key in path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


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
