"""One declaration per LL2 list endpoint: what the client may ask and how its records are tidied.

Everything that differs between endpoints lives here, as data; the client (paging, quota,
overlap checks, caching), the snapshot store and the loaders are shared. Adding an endpoint is
one :func:`declare` call plus its tidy function (and, for attribute access, a field on
:class:`spacedata.tidy.Tables`)::

    SPACECRAFT_FLIGHTS = declare(
        name="spacecraft_flights",            # key in manifests, Tables and ``--endpoints``
        path="spacecraft_flights/",           # below the API root
        filters=("spacecraft",),              # documented filters (search/ordering/mode are common)
        orderings=("id",),                    # fields ``ordering`` accepts, each also with "-"
        expected_records=1000,                # for quota estimates before ``count`` is known
        tidy="spacedata.tidy_flights:flight_tables",
        tables=("flights",),
    )

Pages of every endpoint are read in a stable order: the ordering asked for, then ``tie_break``
(``id``) so that offset paging never sees ties move between pages.

This module imports nothing heavy: the tidy function is named as ``"module:function"`` and
imported when first used, so the HTTP client does not pull in pandas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

__all__ = [
    "COMMON_PARAMS",
    "DEFAULT_ENDPOINTS",
    "ENDPOINTS",
    "MAX_LIMIT",
    "SPACECRAFT",
    "SPACECRAFT_FLIGHTS",
    "Endpoint",
    "declare",
    "get",
    "names",
    "split_params",
]

#: LL2 serves at most this many records a page (asking for more still gets 100).
MAX_LIMIT = 100
#: Parameters every LL2 list endpoint takes besides its filters (and ``limit``/``offset``).
COMMON_PARAMS = ("search", "ordering", "mode")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class Endpoint:
    """An LL2 list endpoint, declared once.

    Attributes:
        name: the key used in manifests, ``Tables``, ``--endpoints`` (``spacecraft_flights``).
        path: below the API root, ending in ``/`` (``spacecraft_flights/``).
        filters: documented filter parameters (``search``, ``ordering``, ``mode`` are common to
            all and need not be listed).
        orderings: fields ``ordering`` accepts; each may be prefixed by ``-``.
        default_ordering: the ordering used when none is asked for.
        tie_break: appended to any other ordering so that offset paging is stable.
        modes: values ``mode`` accepts.
        page_size: records a page (LL2's cap is 100).
        expected_records: about how many records the endpoint holds; estimates the calls a sync
            costs before its ``count`` has been read.
        tidy: ``"module:function"``; the function takes ``(records, provenance)`` and returns
            ``{table name: DataFrame, ..., "rejected": DataFrame}`` (see ``tables``).
        tables: the tables its tidy function returns (fields of :class:`spacedata.tidy.Tables`).
        label: how messages name it (``spacecraft flights``).
    """

    name: str
    path: str
    filters: frozenset[str]
    orderings: frozenset[str]
    expected_records: int
    tidy: str
    tables: tuple[str, ...]
    default_ordering: str = "id"
    tie_break: str = "id"
    modes: tuple[str, ...] = ("normal", "detailed")
    page_size: int = MAX_LIMIT
    label: str = field(default="")

    @property
    def params(self) -> frozenset[str]:
        """Every parameter the endpoint documents (filters and the common ones)."""
        return self.filters | frozenset(COMMON_PARAMS)

    def url(self, base_url: str) -> str:
        """The endpoint's URL below ``base_url`` (which ends in ``/``)."""
        return base_url + self.path

    def query(self, params: Mapping[str, Any] | None = None, limit: int | None = None) -> dict:
        """The query string of page 1: documented ``params`` (booleans as ``true``/``false``),
        the ordering with its tie-break, ``limit`` and ``offset=0``, in a stable order.

        Raises:
            ValueError: an undocumented parameter, an ordering or mode it does not take, or a
                ``limit`` outside 1..100. The message lists what is documented.
        """
        params = dict(params or {})
        limit = self.page_size if limit is None else limit
        unknown = set(params) - self.params
        if unknown:
            raise ValueError(
                f"Unknown /{self.path} parameter(s) {sorted(unknown)}; "
                f"documented: {sorted(self.params)}."
            )
        ordering = str(params.get("ordering", self.default_ordering))
        fields = [o.strip() for o in ordering.split(",")]
        if not all(f.lstrip("-") in self.orderings for f in fields) or len(fields) != 1:
            raise ValueError(
                f"ordering={ordering!r}: /{self.path} orders by one of "
                f"{sorted(self.orderings)}, or '-' + one."
            )
        if "mode" in params and str(params["mode"]) not in self.modes:
            raise ValueError(f"mode={params['mode']!r}: /{self.path} takes one of {self.modes}.")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit={limit}: LL2 serves 1 to {MAX_LIMIT} records a page.")
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}
        # Ties in any other ordering would make offset paging unstable: break them by id.
        key = ordering.lstrip("-")
        query["ordering"] = ordering if key == self.tie_break else f"{ordering},{self.tie_break}"
        return {**dict(sorted(query.items())), "limit": str(limit), "offset": "0"}

    def filtered(self, params: Mapping[str, Any] | None) -> bool:
        """True when ``params`` select a subset of the records (a filter or ``search``)."""
        return any(k in self.filters or k == "search" for k in params or {})

    def tidy_function(self) -> Callable[..., dict]:
        """The tidy function named by :attr:`tidy` (imported on first use)."""
        module, _, name = self.tidy.partition(":")
        return getattr(import_module(module), name)


ENDPOINTS: dict[str, Endpoint] = {}


def declare(
    *,
    name: str,
    path: str,
    filters: Iterable[str],
    orderings: Iterable[str],
    expected_records: int,
    tidy: str,
    tables: Iterable[str],
    **options: Any,
) -> Endpoint:
    """Declare an endpoint (see :class:`Endpoint` for the fields) and register it by name."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"endpoint name {name!r}: use lower-case letters, digits and '_'.")
    if name in ENDPOINTS:
        raise ValueError(f"endpoint {name!r} is declared twice.")
    if not path.endswith("/") or path.startswith("/"):
        raise ValueError(f"path {path!r}: give it relative to the API root, ending in '/'.")
    ep = Endpoint(
        name=name,
        path=path,
        filters=frozenset(filters),
        orderings=frozenset(orderings),
        expected_records=expected_records,
        tidy=tidy,
        tables=tuple(tables),
        **{"label": name.replace("_", " "), **options},
    )
    if ep.default_ordering not in ep.orderings or ep.tie_break not in ep.orderings:
        raise ValueError(f"{name}: the default ordering and tie-break must be orderings.")
    ENDPOINTS[name] = ep
    return ep


SPACECRAFT = declare(
    name="spacecraft",
    path="spacecraft/",
    filters=("in_space", "is_placeholder", "name", "spacecraft_config", "status"),
    orderings=("flights_count", "id", "mission_ends_count", "time_docked", "time_in_space"),
    # The live endpoint held 590-607 records in 2025-2026: rounded up.
    expected_records=610,
    tidy="spacedata.tidy:spacecraft_tables",
    tables=("spacecraft", "configurations", "agencies", "families", "config_families"),
)

SPACECRAFT_FLIGHTS = declare(
    name="spacecraft_flights",
    path="spacecraft_flights/",
    filters=("spacecraft",),
    # The 2.3.0 OpenAPI names no ordering fields for this endpoint; DRF drops unknown ones
    # silently, which would leave the pages in an order we did not ask for. Only ``id`` is
    # known to hold.
    orderings=("id",),
    # About the sum of ``flights_count`` over all spacecraft: on the order of a thousand.
    expected_records=1000,
    tidy="spacedata.tidy_flights:flight_tables",
    tables=("flights",),
    label="spacecraft flights",
)

#: What ``spacedata fetch`` (and :func:`spacedata.fetch`) read when no endpoints are named.
DEFAULT_ENDPOINTS = ("spacecraft", "spacecraft_flights")


def get(name: str | Endpoint) -> Endpoint:
    """The declared endpoint called ``name``; ValueError naming the known ones otherwise."""
    if isinstance(name, Endpoint):
        return name
    try:
        return ENDPOINTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown endpoint {name!r}; known: {', '.join(ENDPOINTS)}.") from None


def names(value: str | Iterable[str | Endpoint] | None) -> tuple[str, ...]:
    """Endpoint names from ``"spacecraft,spacecraft_flights"`` or a list (None: the default),
    checked and without repeats, in the order given."""
    if value is None:
        return DEFAULT_ENDPOINTS
    items = value.split(",") if isinstance(value, str) else list(value)
    out = tuple(dict.fromkeys(get(v.strip() if isinstance(v, str) else v).name for v in items))
    if not out:
        raise ValueError(f"No endpoint named; choose from {', '.join(ENDPOINTS)}.")
    return out


def split_params(
    params: Mapping[str, Any] | None, endpoints: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Per-endpoint parameters from what a user gave.

    * ``{"spacecraft": {...}, "spacecraft_flights": {...}}`` (every value a mapping, every key
      an endpoint): as given.
    * ``{"in_space": True}`` (plain values): each parameter goes to every endpoint in
      ``endpoints`` that documents it; ``ENDPOINT:KEY`` names the endpoint
      (``"spacecraft_flights:spacecraft": 42``). A parameter no endpoint documents is refused
      by the first endpoint's check (ValueError listing what it documents).
    """
    wanted = list(endpoints)
    out: dict[str, dict[str, Any]] = {name: {} for name in wanted}
    if not params:
        return out
    if all(isinstance(v, Mapping) for v in params.values()) and set(params) <= set(ENDPOINTS):
        for name, values in params.items():
            if name not in out:
                raise ValueError(
                    f"Parameters for {name!r}, which is not among the endpoints asked for "
                    f"({', '.join(wanted)})."
                )
            out[name] = dict(values)
        return out
    for key, value in params.items():
        target, sep, bare = key.partition(":")
        if sep:
            if get(target).name not in out:
                raise ValueError(
                    f"{key!r}: {target} is not among the endpoints asked for ({', '.join(wanted)})."
                )
            out[target][bare] = value
            continue
        takers = [name for name in wanted if key in ENDPOINTS[name].params]
        if not takers:
            get(wanted[0]).query({key: value})  # raises, naming what is documented
        for name in takers:
            out[name][key] = value
    return out
