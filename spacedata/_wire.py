"""The wire side of :class:`spacedata.transport.LL2Session`: the adapter under its session.

:class:`_Adapter` is the only place that adds ``Authorization`` (:func:`_auth_header`: the
token, or basic auth from a ``user:pass@`` base URL), to a copy of the request sent to the API's
origin (:func:`origin_of`), so no request object above it (the ones the cache keeps) ever
carries it. It reads each body itself with an overall deadline (:class:`DeadlineExceeded`),
decodes ``gzip`` and ``deflate`` (:data:`ACCEPT_ENCODING`, the encodings it advertises) in
bounded steps (:class:`_Inflater`), and refuses an answer whose *decoded* size passes the bound
(:class:`TooLarge`): a compression bomb stops after one step past the bound. An answer it will
not take raises a :class:`_Refused` whose ``message`` is one line, no secrets; the session turns
it into spacedata's errors.
"""

from __future__ import annotations

import base64
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from . import config

#: The encodings the client can decode, and so advertises.
ACCEPT_ENCODING = "gzip, deflate"
_AUTH_HEADERS = ("Authorization", "Proxy-Authorization")
_CHUNK = 65536


# ------------------------------------------------------------------------- failures, inside


class _Refused(requests.RequestException):
    """An answer the adapter would not take; ``message`` says why (one line, no secrets)."""

    def __init__(self, message: str, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.message = message


class DeadlineExceeded(requests.Timeout):
    """A request took longer than the session's overall deadline."""


class TooLarge(_Refused):
    """An answer larger, decoded, than the size bound."""


class Undecodable(_Refused):
    """An answer in an encoding that was not asked for, or whose compressed data is corrupt."""


# ----------------------------------------------------------------------------- the adapter


class _Adapter(HTTPAdapter):
    """Adds the credentials to what goes on the wire (to the API's origin only), reads each
    body itself within the deadline, decodes it in bounded steps and bounds its size.

    No socket wait (connect, read) is longer than what is left of the deadline. While
    ``probe`` is set (seconds; :meth:`LL2Session.probe_first`), each request gets at most that
    long in all, the host name is looked up within it too (in a daemon thread, since
    ``getaddrinfo`` takes no timeout; skipped behind a proxy), and nothing is retried; the
    first answer from the network (any status) ends the probe."""

    probe: float | None = None

    def __init__(
        self,
        origin: tuple[str, str, int],
        auth: str | None,
        deadline: float,
        started: Callable[[], float],
        max_bytes: int,
        **kwargs: Any,
    ):
        self.origin, self.auth, self.max_bytes = origin, auth, max_bytes
        self.deadline, self.started = deadline, started
        super().__init__(**kwargs)

    def send(self, request, stream=False, **kwargs):  # noqa: ANN001 - requests' signature
        wire = request.copy()
        for name in _AUTH_HEADERS:
            request.headers.pop(name, None)  # what requests and the cache see: none
        if self.auth and origin_of(wire.url) == self.origin:
            wire.headers["Authorization"] = self.auth
        limit = self.limit()
        left = limit - (time.monotonic() - self.started())
        if left <= 0:
            raise DeadlineExceeded(
                f"timed out: no whole answer within the {limit:g} s deadline", request=request
            )
        timeout = kwargs.get("timeout")
        kwargs["timeout"] = _clamp(timeout, left)
        # A socket wait cut short by the deadline is the deadline's timeout, and says so.
        late = DeadlineExceeded(
            f"timed out: no whole answer within the {limit:g} s deadline", request=request
        )
        cut = kwargs["timeout"] != timeout
        probing = self.probe is not None
        if probing:
            if select_proxy(wire.url, kwargs.get("proxies")) is None:
                _resolve(wire.url, left, request)
            kept, self.max_retries = self.max_retries, Retry(0, redirect=0, raise_on_status=False)
        try:
            resp = super().send(wire, stream=True, **kwargs)
        except requests.RequestException as exc:
            timed_out = isinstance(exc, requests.Timeout) or "timeout" in str(exc).lower()
            if cut and timed_out:  # urllib3 says ReadTimeoutError inside a ConnectionError
                raise late from None
            raise
        finally:
            if probing:
                self.max_retries = kept
        resp.request = request
        if stream:
            self.probe = None
            return resp
        try:
            resp._content = self._read(resp, limit)
        except Urllib3HTTPError as exc:
            if cut and isinstance(exc, ReadTimeoutError):
                raise late from None
            raise requests.ConnectionError(
                f"{type(exc).__name__}: {exc}", request=request
            ) from None
        finally:
            resp.close()
        resp._content_consumed = True
        self.probe = None  # a whole answer came: the network is there
        if resp.headers.pop("Content-Encoding", None):  # what is kept is the decoded body
            resp.headers["Content-Length"] = str(len(resp._content))
        return resp

    def _read(self, resp: requests.Response, deadline: float) -> bytes:
        url = config.redact(resp.url)
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        inflate = _Inflater(encoding, url) if encoding not in ("", "identity") else None
        declared = resp.headers.get("Content-Length", "")
        if inflate is None and declared.isdigit() and int(declared) > self.max_bytes:
            raise TooLarge(self._too_large(url, f"{int(declared):,} bytes, declared"))
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() - self.started() > deadline:
                raise DeadlineExceeded(
                    f"timed out: no whole answer within the {deadline:g} s deadline "
                    f"({size} bytes received)",
                    request=resp.request,
                )
            raw = resp.raw.read1(_CHUNK, decode_content=False)
            if not raw:
                if inflate is not None:
                    inflate.finish()
                break
            for part in inflate.feed(raw) if inflate is not None else (raw,):
                size += len(part)
                if size > self.max_bytes:
                    raise TooLarge(self._too_large(url, f"more than {self.max_bytes:,} bytes"))
                chunks.append(part)
        return b"".join(chunks)

    def limit(self) -> float:
        """Seconds the current request may take in all: the deadline, or the probe's."""
        return self.deadline if self.probe is None else min(self.deadline, self.probe)

    def _too_large(self, url: str, size: str) -> str:
        return (
            f"LL2's answer to {url} is over the {self.max_bytes:,}-byte bound "
            f"(SPACEDATA_HTTP_MAX_BYTES): {size}. It was refused and not cached. If LL2's pages "
            "really are this large, raise SPACEDATA_HTTP_MAX_BYTES; otherwise try again later."
        )


class _Inflater:
    """gzip or deflate, decoded in steps of at most 64 kB out (memory stays bounded however
    much a small input expands)."""

    def __init__(self, encoding: str, url: str):
        if encoding in ("gzip", "x-gzip"):
            self.wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self.wbits = zlib.MAX_WBITS  # zlib-wrapped, as HTTP says; raw deflate also read
        else:
            raise Undecodable(
                f"LL2's answer to {url} came with Content-Encoding {encoding!r}, which spacedata "
                f"did not ask for (it accepts {ACCEPT_ENCODING}) and cannot decode; nothing was "
                "kept. A proxy or CDN between you and LL2 may be rewriting answers."
            )
        self.encoding, self.url = encoding, url
        self.z = zlib.decompressobj(self.wbits)
        self.out = 0

    def feed(self, data: bytes):
        while data:
            try:
                part = self.z.decompress(data, _CHUNK)
            except zlib.error as exc:
                if self.wbits == zlib.MAX_WBITS and self.out == 0:  # raw deflate, no header
                    self.wbits = -zlib.MAX_WBITS
                    self.z = zlib.decompressobj(self.wbits)
                    continue
                raise Undecodable(self._corrupt(exc)) from None
            self.out += len(part)
            if part:
                yield part
            data = self.z.unconsumed_tail
            if self.z.eof and self.z.unused_data:  # gzip allows several members
                data = self.z.unused_data
                self.z = zlib.decompressobj(self.wbits)

    def finish(self) -> None:
        if not self.z.eof:
            raise Undecodable(self._corrupt("the compressed data ends early"))

    def _corrupt(self, why: object) -> str:
        return (
            f"LL2's {self.encoding} answer to {self.url} could not be decoded ({why}; "
            "truncated?). It was not kept in the cache; try again."
        )


# ------------------------------------------------------------------------------------ bits


def _clamp(timeout: Any, left: float) -> Any:
    """``timeout`` ((connect, read), a number or None) with no wait longer than ``left``."""
    if isinstance(timeout, tuple):
        return tuple(left if t is None else min(t, left) for t in timeout)
    if isinstance(timeout, (int, float)):
        return min(timeout, left)
    return (left, left) if timeout is None else timeout


def _resolve(url: str, within: float, request: Any) -> None:
    """Look ``url``'s host name up within ``within`` seconds, or raise as urllib3 would: a
    :class:`requests.ConnectionError` (name not found) or :class:`DeadlineExceeded`."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
        return  # an address: nothing to look up
    except ValueError:
        pass
    box: dict[str, BaseException] = {}

    def look_up() -> None:
        try:
            socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    worker = threading.Thread(target=look_up, name="spacedata-resolve", daemon=True)
    worker.start()
    worker.join(within)
    if worker.is_alive():
        raise DeadlineExceeded(
            f"timed out: the name {host} was not resolved within {within:g} s", request=request
        )
    if "error" in box:
        raise requests.ConnectionError(
            f"NameResolutionError: {host} not found ({box['error']})", request=request
        )


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of ``url``, the port defaulted by the scheme."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    default = {"http": 80, "https": 443}.get(scheme, -1)
    return scheme, (parts.hostname or "").lower(), port if port is not None else default


def _auth_header(token: str | None, basic: tuple[str, str] | None) -> str | None:
    if token:
        return f"Token {token}"
    if basic:
        user, password = basic
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return None
