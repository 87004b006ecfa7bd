"""Synthetic records for tests, benchmarks and scale checks: spacecraft resampled from real
ones, and spacecraft flights made up to LL2 2.3.0's shapes (no real flight records exist here).

Synthetic data is always labelled: names say "synthetic" / "SYNTHETIC", URLs are on the
reserved ``synthetic.invalid`` host, snapshots written here have ``source: synthetic`` in their
manifest and a note, and their provenance says so. Never mix it with real data.

Flights follow ``SpacecraftFlightNormal`` / ``SpacecraftFlightDetailed`` of
``shared/reference/ll2-2.3.0-spacecraft-openapi.yml``: each embeds the whole spacecraft record
(the same dict as the spacecraft endpoint serves) and a ``LaunchNormal``; a spacecraft with
``flights_count`` k has exactly k flights, so the two endpoints agree.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

_STATUSES = [
    {"id": 1, "name": "Active"},
    {"id": 2, "name": "Retired"},
    {"id": 3, "name": "Destroyed"},
    {"id": 4, "name": "Single Use"},
]


#: Flight counts :func:`resample` draws from by default (wide, for distributions to show).
WIDE_FLIGHTS = (1, 1, 1, 2, 3, 5, 8, 13, 20, 30)
#: Flight counts close to the live endpoint's (about 1,000 flights for 600 spacecraft).
REALISTIC_FLIGHTS = (0, 1, 1, 1, 1, 1, 2, 2, 3, 5)


def resample(
    records: Sequence[dict], n: int, seed: int = 0, flights: Sequence[int] = WIDE_FLIGHTS
) -> list[dict]:
    """``n`` records drawn from ``records`` with new ids (from 100001) and varied numbers.

    Each synthetic record keeps a real record's configuration, agency and families (shared by
    reference, not copied) and gets a random flight count (drawn from ``flights``), status,
    in-space flag and durations, so group-bys and distributions have something to show.
    Deterministic for a given seed.
    """
    rng = random.Random(seed)
    out = []
    for k in range(n):
        base = records[rng.randrange(len(records))]
        flights_count = rng.choice(flights)
        days = rng.randint(0, 400) * flights_count // 3
        docked = rng.randint(0, days) if days else 0
        rec = dict(base)
        rec.update(
            id=100_001 + k,
            name=f"{base.get('name')} (synthetic {k + 1})",
            in_space=rng.random() < 0.05,
            is_placeholder=rng.random() < 0.02,
            flights_count=flights_count,
            mission_ends_count=flights_count,
            status=rng.choice(_STATUSES),
            time_in_space=f"P{days}DT{rng.randint(0, 23)}H{rng.randint(0, 59)}M{rng.randint(0, 59)}S",
            time_docked=f"P{docked}DT{rng.randint(0, 23)}H{rng.randint(0, 59)}M",
            fastest_turnaround=f"P{rng.randint(20, 400)}D" if flights_count > 1 else None,
        )
        out.append(rec)
    return out


def pages_of(records: Sequence[dict], per_page: int = 100) -> list[bytes]:
    """Serialise records into LL2-shaped page bodies (``count``/``next``/``results``)."""
    pages = []
    for start in range(0, len(records), per_page):
        body = {
            "count": len(records),
            "next": None,
            "previous": None,
            "results": list(records[start : start + per_page]),
        }
        pages.append(json.dumps(body).encode("utf-8"))
    return pages


# ------------------------------------------------------------------------------- flights

_HOST = "https://synthetic.invalid/2.3.0/"
_EARTH = {"response_mode": "list", "id": 1, "name": "Earth"}
_LEO = {"id": 8, "name": "Low Earth Orbit", "abbrev": "LEO", "celestial_body": _EARTH}
_LUNAR = {"id": 11, "name": "Lunar Orbit", "abbrev": "LO", "celestial_body": _EARTH}
_SUBORBITAL = {"id": 15, "name": "Suborbital", "abbrev": "Sub", "celestial_body": _EARTH}
_STATUS_OK = {"id": 3, "name": "Launch Successful", "abbrev": "Success", "description": ""}
_STATUS_FAIL = {"id": 4, "name": "Launch Failure", "abbrev": "Failure", "description": ""}
_PRECISION = {"id": 0, "name": "Second", "abbrev": "SEC", "description": "The T-0 is accurate"}
_COUNTRIES = {
    "KAZ": {"id": 37, "name": "Kazakhstan", "alpha_2_code": "KZ", "alpha_3_code": "KAZ"},
    "USA": {"id": 2, "name": "United States of America", "alpha_2_code": "US",
            "alpha_3_code": "USA"},
}  # fmt: skip
#: By the spacecraft's agency abbreviation: who launches it, on what, from where, to where.
_PROFILES = {
    "RFSA": {
        "provider": (63, "Russian Federal Space Agency (ROSCOSMOS)", "RFSA", "Government"),
        "rockets": ((14, "Soyuz 2.1a"), (19, "Soyuz-FG"), (36, "Soyuz-U")),
        "pad": (32, "31/6", "Baikonur Cosmodrome, Republic of Kazakhstan", "KAZ", 45.996, 63.564),
        "destinations": ("International Space Station", "Low Earth Orbit"),
        "missions": ("Human Exploration", "Resupply"),
        "landing": (
            (4, "Ground Landing", "Ground"),
            (101, "Steppe of Kazakhstan", "KZ"),
        ),
        "orbit": _LEO,
    },
    "NASA": {
        "provider": (44, "National Aeronautics and Space Administration", "NASA", "Government"),
        "rockets": ((43, "Saturn V"), (37, "Space Shuttle")),
        "pad": (87, "Launch Complex 39A", "Kennedy Space Center, FL, USA", "USA", 28.608, -80.604),
        "destinations": ("Lunar Orbit", "Low Earth Orbit"),
        "missions": ("Human Exploration", "Test Flight"),
        "landing": ((7, "Ocean Splashdown", "ATL"), (102, "Pacific Ocean", "PO")),
        "orbit": _LUNAR,
    },
    "SpX": {
        "provider": (121, "SpaceX", "SpX", "Commercial"),
        "rockets": ((164, "Falcon 9"), (464, "Starship")),
        "pad": (188, "Orbital Launch Mount A", "Starbase, TX, USA", "USA", 25.997, -97.157),
        "destinations": ("Suborbital", "International Space Station"),
        "missions": ("Test Flight", "Resupply"),
        "landing": ((7, "Ocean Splashdown", "ATL"), (103, "Gulf of Mexico", "GOM")),
        "orbit": _SUBORBITAL,
    },
}
_EPOCH = datetime(1961, 1, 1, tzinfo=timezone.utc)


def flights_for(spacecraft: Sequence[dict], seed: int = 0, mode: str = "normal") -> list[dict]:
    """SYNTHETIC ``/spacecraft_flights/`` records for ``spacecraft``: exactly ``flights_count``
    flights for each (none when it is 0 or missing), ids 1, 2, ... in launch order.

    Each flight embeds its spacecraft record (the same dict, not a copy) and a made-up launch
    whose provider, rocket, pad and destination fit the spacecraft's agency. A spacecraft
    ``in_space`` is on its last flight (no ``mission_end`` nor ``duration`` yet). ``mode``
    ``"detailed"`` adds crews and docking events (see :func:`detailed`). Deterministic for a
    given seed.
    """
    if mode not in ("normal", "detailed"):
        raise ValueError(f"mode={mode!r}: 'normal' or 'detailed'.")
    rng = random.Random(seed)
    flights = []
    for craft in spacecraft:
        count = craft.get("flights_count")
        if type(count) is not int or count <= 0:
            continue
        profile = _profile(craft)
        start = _EPOCH + timedelta(days=rng.randint(0, 64 * 365), seconds=rng.randint(0, 86399))
        previous_end = None
        for k in range(count):
            ongoing = k == count - 1 and bool(craft.get("in_space"))
            net = (
                start
                if previous_end is None
                else previous_end
                + timedelta(days=rng.randint(20, 400), seconds=rng.randint(0, 86399))
            )
            duration = timedelta(days=rng.randint(0, 200), seconds=rng.randint(600, 86399))
            end = None if ongoing else net + duration
            turnaround = None if previous_end is None else net - previous_end
            flights.append(_flight(rng, craft, profile, k, net, end, duration, turnaround, ongoing))
            previous_end = end or net
    flights.sort(key=lambda f: (f["launch"]["net"], f["spacecraft"].get("id", 0)))
    for n, flight in enumerate(flights, start=1):
        flight["id"] = n
        flight["url"] = f"{_HOST}spacecraft_flights/{n}/"
    return [detailed(f, seed) for f in flights] if mode == "detailed" else flights


def detailed(flight: dict, seed: int = 0) -> dict:
    """The ``SpacecraftFlightDetailed`` form of a normal SYNTHETIC flight: crews and docking
    events added (a copy; the normal record is unchanged)."""
    rng = random.Random(seed * 1_000_003 + int(flight.get("id") or 0))
    crewed = "Human" in str((flight["launch"].get("mission") or {}).get("type"))
    crew = [_crew_member(rng, flight, k) for k in range(rng.randint(1, 3))] if crewed else []
    docking = []
    if flight.get("destination") == "International Space Station":
        net = flight["launch"]["net"].replace("Z", "+00:00")  # Python 3.10 wants an offset
        docked = datetime.fromisoformat(net) + timedelta(hours=6)
        station = {"id": 4, "name": "International Space Station"}
        docking.append(
            {
                "id": int(flight["id"]),
                "url": f"{_HOST}docking_events/{flight['id']}/",
                "docking": _iso(docked),
                "departure": flight.get("mission_end"),
                "docking_location": {"id": 1, "name": "Zvezda aft", "spacestation": station,
                                     "spacecraft": None, "payload": None},
                "space_station_target": {
                    **station,
                    "url": f"{_HOST}space_stations/4/",
                    "image": None,
                    "status": {"id": 1, "name": "Active"},
                    "founded": "1998-11-20",
                    "deorbited": None,
                    "description": "SYNTHETIC station record.",
                    "orbit": "Low Earth Orbit",
                    "type": {"id": 1, "name": "Government"},
                },
                "flight_vehicle_target": None,
                "payload_flight_target": None,
            }
        )  # fmt: skip
    return {
        **flight,
        "response_mode": "detailed",
        "launch_crew": crew,
        "onboard_crew": list(crew),
        "landing_crew": [] if flight.get("mission_end") is None else list(crew),
        "docking_events": docking,
    }


def _profile(craft: dict) -> dict:
    cfg = craft.get("spacecraft_config") if isinstance(craft.get("spacecraft_config"), dict) else {}
    agency = cfg.get("agency") if isinstance(cfg.get("agency"), dict) else {}
    return _PROFILES.get(str(agency.get("abbrev")), _PROFILES["RFSA"])


def _flight(rng, craft, profile, k, net, end, duration, turnaround, ongoing) -> dict:
    rocket_id, rocket = rng.choice(profile["rockets"])
    name = craft.get("name")
    launch_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    failed = rng.random() < 0.03
    (type_id, type_name, type_abbrev), (loc_id, loc_name, loc_abbrev) = profile["landing"]
    attempt = not ongoing and not failed
    return {
        "id": 0,  # numbered in launch order by flights_for
        "url": "",
        "response_mode": "normal",
        "destination": rng.choice(profile["destinations"]),
        "mission_end": _iso(end) if end else None,
        "spacecraft": craft,
        "launch": _launch(rng, profile, launch_id, rocket_id, rocket, name, k, net, failed),
        "landing": {
            "id": rng.randint(1, 10**6),
            "url": f"{_HOST}landings/{launch_id}/",
            "attempt": attempt,
            "success": (rng.random() < 0.97) if attempt else None,
            "description": f"SYNTHETIC landing of {name}.",
            "downrange_distance": None,
            "landing_location": {
                "id": loc_id,
                "name": loc_name,
                "active": True,
                "abbrev": loc_abbrev,
                "description": None,
                "location": None,
                "longitude": None,
                "latitude": None,
                "image": None,
                "successful_landings": None,
                "attempted_landings": None,
                "failed_landings": None,
                "celestial_body": _EARTH,
            },
            "type": {"id": type_id, "name": type_name, "abbrev": type_abbrev, "description": None},
        },
        "duration": None if ongoing else _duration(duration),
        "turn_around_time": None if turnaround is None else _duration(turnaround),
    }


def _launch(rng, profile, launch_id, rocket_id, rocket, name, k, net, failed) -> dict:
    pid, pname, pabbrev, ptype = profile["provider"]
    pad_id, pad_name, place, country, lat, lon = profile["pad"]
    mission_type = rng.choice(profile["missions"])
    title = f"SYNTHETIC {name} flight {k + 1}"
    provider = {
        "response_mode": "list",
        "id": pid,
        "url": f"{_HOST}agencies/{pid}/",
        "name": pname,
        "abbrev": pabbrev,
        "type": {"id": 1 if ptype == "Government" else 3, "name": ptype},
    }
    return {
        "id": launch_id,
        "url": f"{_HOST}launches/{launch_id}/",
        "name": f"{rocket} | {title}",
        "response_mode": "normal",
        "slug": f"synthetic-{launch_id[:8]}",
        "launch_designator": None,
        "status": _STATUS_FAIL if failed else _STATUS_OK,
        "last_updated": "2026-11-25T00:00:00Z",
        "net": _iso(net),
        "net_precision": _PRECISION,
        "window_end": _iso(net),
        "window_start": _iso(net),
        "image": None,
        "infographic": None,
        "probability": None,
        "weather_concerns": None,
        "failreason": "SYNTHETIC failure." if failed else None,
        "hashtag": None,
        "launch_service_provider": provider,
        "rocket": {
            "id": rng.randint(1, 10**5),
            "configuration": {
                "response_mode": "list",
                "id": rocket_id,
                "url": f"{_HOST}launcher_configurations/{rocket_id}/",
                "name": rocket,
                "families": [],
                "full_name": rocket,
                "variant": "",
            },
        },
        "mission": {
            "id": rng.randint(1, 10**6),
            "name": title,
            "type": mission_type,
            "description": f"SYNTHETIC mission: {name}, flight {k + 1}. Not real data.",
            "image": None,
            "orbit": profile["orbit"],
            "agencies": [],
            "info_urls": [],
            "vid_urls": [],
        },
        "pad": {
            "id": pad_id,
            "url": f"{_HOST}pads/{pad_id}/",
            "active": True,
            "agencies": [],
            "name": pad_name,
            "image": None,
            "description": None,
            "info_url": None,
            "wiki_url": None,
            "map_url": None,
            "latitude": lat,
            "longitude": lon,
            "country": _COUNTRIES[country],
            "map_image": None,
            "total_launch_count": None,
            "orbital_launch_attempt_count": None,
            "fastest_turnaround": None,
            "location": {
                "response_mode": "normal",
                "id": pad_id,
                "url": f"{_HOST}locations/{pad_id}/",
                "name": place,
                "celestial_body": _EARTH,
                "active": True,
                "country": _COUNTRIES[country],
                "description": None,
                "image": None,
                "map_image": None,
                "longitude": lon,
                "latitude": lat,
                "timezone_name": "UTC",
                "total_launch_count": None,
                "total_landing_count": None,
            },
        },
        "webcast_live": False,
        "program": [],
        "orbital_launch_attempt_count": None,
        "location_launch_attempt_count": None,
        "pad_launch_attempt_count": None,
        "agency_launch_attempt_count": None,
        "orbital_launch_attempt_count_year": None,
        "location_launch_attempt_count_year": None,
        "pad_launch_attempt_count_year": None,
        "agency_launch_attempt_count_year": None,
    }


def _crew_member(rng, flight: dict, k: int) -> dict:
    n = rng.randint(1, 10**5)
    return {
        "id": n,
        "role": {"id": 1 + k, "role": ("Commander", "Flight Engineer", "Pilot")[k % 3],
                 "priority": k},
        "astronaut": {
            "id": n,
            "url": f"{_HOST}astronauts/{n}/",
            "name": f"SYNTHETIC astronaut {n}",
            "status": {"id": 1, "name": "Active"},
            "agency": flight["launch"]["launch_service_provider"],
            "image": None,
            "response_mode": "list",
            "type": {"id": 2, "name": "Government"},
            "in_space": False,
            "time_in_space": "P10D",
            "eva_time": "P0D",
            "age": None,
            "date_of_birth": None,
            "date_of_death": None,
            "nationality": [],
            "bio": "SYNTHETIC astronaut: not a real person.",
            "wiki": None,
            "last_flight": flight["launch"]["net"],
            "first_flight": flight["launch"]["net"],
            "social_media_links": [],
        },
    }  # fmt: skip


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"P{days}DT{hours}H{minutes}M{seconds}S"


# ------------------------------------------------------------------------------ snapshots


def write_synthetic_snapshot(n: int, out: str | os.PathLike, seed: int = 0, flights: bool = False):
    """Write a complete, clearly labelled synthetic snapshot of ``n`` spacecraft to ``out``
    (a store, format 2), with their flights too when ``flights`` is true (as many as their
    ``flights_count`` add up to: about 8 per spacecraft with the default counts)."""
    from .snapshot import bundled_snapshot
    from .snapshot_writer import write_endpoints

    records = resample(bundled_snapshot().records(), n, seed)
    made = {"spacecraft": records}
    if flights:
        made["spacecraft_flights"] = flights_for(records, seed)
    parts = {}
    for name, recs in made.items():
        bodies = pages_of(recs)
        parts[name] = (
            bodies,
            [f"synthetic://{name}/?offset={i * 100}" for i in range(len(bodies))],
            {
                "endpoint": f"synthetic://{name}/",
                "params": {"seed": seed},
                "fetched_at": None,
                "count_reported": len(recs),
                "records_received": len(recs),
                "complete": True,
            },
        )
    what = f"{n} spacecraft resampled (seed {seed}) from the 20 real bundled records"
    if flights:
        what += f" and {len(made['spacecraft_flights'])} made-up flights consistent with them"
    return write_endpoints(out, parts, {"source": "synthetic", "note": f"SYNTHETIC: {what}."})
