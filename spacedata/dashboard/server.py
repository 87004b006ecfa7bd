"""What ``spacedata serve`` adds to Panel's (Bokeh's Tornado) server, in each server process:

* security headers on every HTTP response (:data:`SECURITY_HEADERS`): ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy`` and a ``Content-Security-Policy`` of ``frame-ancestors`` only
  (same origin by default; ``X-Frame-Options: SAMEORIGIN`` too for older browsers), added by a
  Tornado output transform;
* a ``Host`` allowlist: a request whose ``Host`` header is not one the server is known under
  (its address and port, ``localhost``, and each ``--allow-origin``; ``*`` allows any) gets
  ``400`` and one log line, before any page or session is built. It is the same list Bokeh
  checks websocket ``Origin`` headers against (``--allow-websocket-origin``), so a page
  served under a name can always open its websocket;
* a malformed websocket request (no ``bokeh`` subprotocol, a token that does not decode, an
  expired or forged one) is closed with one warning line in the log instead of Tornado's
  "Uncaught exception" traceback.

Call :func:`harden` on the server ``pn.serve(..., start=False)`` returned, before its IO loop
starts (with ``--num-procs N`` that is in each forked process).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from tornado.routing import Matcher, Rule
from tornado.web import Application, OutputTransform, RequestHandler

log = logging.getLogger("spacedata")

#: ``frame-ancestors`` by default: only pages of the same origin may frame the dashboard.
SAME_ORIGIN = "'self'"


def security_headers(frame_ancestors: str = SAME_ORIGIN) -> dict[str, str]:
    """The headers every response carries; ``frame_ancestors`` is a CSP source list
    (``'self'``, ``'none'``, ``https://intranet.example.org``...)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": f"frame-ancestors {frame_ancestors}",
    }
    if frame_ancestors.strip() == SAME_ORIGIN:
        headers["X-Frame-Options"] = "SAMEORIGIN"  # browsers without CSP level 2
    elif frame_ancestors.strip() == "'none'":
        headers["X-Frame-Options"] = "DENY"
    return headers


#: The default :func:`security_headers`.
SECURITY_HEADERS = security_headers()


def harden(server, allowed_hosts: Iterable[str], frame_ancestors: str = SAME_ORIGIN) -> list[str]:
    """Add the headers, the Host allowlist and the quiet websocket handler to a Bokeh
    ``Server`` (``server._tornado`` is its Tornado application). ``allowed_hosts``:
    ``host[:port]`` names (no port means 80; ``*`` allows any Host, with a warning logged).
    Returns the allowlist as Bokeh normalises it."""
    from bokeh.server.util import create_hosts_allowlist

    app: Application = server._tornado
    allowlist = create_hosts_allowlist(list(allowed_hosts), server.port)
    headers = security_headers(frame_ancestors)
    app.add_transform(type("SecurityHeaders", (_SecurityHeaders,), {"headers": headers}))
    refuse = app.default_router.process_rule(
        Rule(_UnknownHost(allowlist), _RefusedHost, {"allowlist": allowlist})
    )
    app.default_router.rules.insert(0, refuse)  # before every route of the application
    _quiet_websockets(app)
    return allowlist


class _SecurityHeaders(OutputTransform):
    """Adds :attr:`headers` to a response's headers (those a handler set itself win)."""

    headers: dict[str, str] = {}

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in self.headers.items():
            if name not in headers:
                headers[name] = value
        return status_code, headers, chunk


class _UnknownHost(Matcher):
    """Matches (so :class:`_RefusedHost` answers) a request whose Host is not allowed."""

    def __init__(self, allowlist: list[str]):
        self.allowlist = allowlist

    def match(self, request):
        from bokeh.server.util import check_allowlist

        host = (request.host or "").lower()
        return None if host and check_allowlist(host, self.allowlist) else {}


class _RefusedHost(RequestHandler):
    """``400 Bad Request`` for an unknown Host, with one log line saying how to allow it."""

    def initialize(self, allowlist: list[str]) -> None:
        self.allowlist = allowlist

    def prepare(self) -> None:
        host = self.request.host or ""
        log.warning(
            "refused a request for Host %r from %s (%s %s): not a name this server is "
            "served under; allow it with `spacedata serve --allow-origin %s` (allowed: %s)",
            host[:100],
            self.request.remote_ip,
            self.request.method,
            self.request.path[:100],
            host[:100] or "HOST",
            ", ".join(self.allowlist),
        )
        self.set_status(400)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("400 Bad Request: unknown host\n")

    def check_xsrf_cookie(self) -> None:  # a POST is refused the same way, not for XSRF
        pass


def _quiet_websockets(app: Application) -> None:
    """Swap each websocket route's handler for a subclass that refuses a malformed request
    in one log line (Bokeh raises from ``open``, which Tornado logs as a traceback)."""
    from bokeh.server.views.ws import WSHandler

    for rule in app.wildcard_router.rules:
        target = rule.target
        if isinstance(target, type) and issubclass(target, WSHandler):
            rule.target = _quiet(target)


def _quiet(base: type) -> type:
    class QuietWSHandler(base):
        def open(self, *args, **kwargs):
            try:
                return super().open(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - a bad request, not our failure
                log.warning(
                    "refused a malformed websocket request from %s to %s: %s: %s",
                    self.request.remote_ip,
                    self.request.path[:100],
                    type(exc).__name__,
                    " ".join(str(exc).split())[:200],
                )
                self.close()
                return None

    QuietWSHandler.__qualname__ = QuietWSHandler.__name__ = f"Quiet{base.__name__}"
    return QuietWSHandler
