"""The real ``/spacecraft_flights/`` capture (38 flights from LL2's development host, 11 of
them planned) through the local LL2-like server, as a sync would read it, and the bundled
sample that holds it: planned vs flown, NET precision, spacecraft known only from flights,
fractional-second durations, nulls, and what each chart counts."""

from __future__ import annotations

import json
import re
import warnings

import pandas as pd
import pytest

import spacedata
from spacedata import plots
from spacedata.cli import main
from spacedata.errors import RecordWarning
from spacedata.tidy import FLIGHT_DTYPES, SPACECRAFT_DTYPES, check_dtypes
from spacedata.tidy_flights import build_flights
from tests.conftest import SEEDS
from tests.ll2fake import FakeLL2

FLIGHTS_SEED = SEEDS / "ll2-spacecraft-flights-lldev-2026-07.json"
pytestmark = pytest.mark.skipif(
    not FLIGHTS_SEED.is_file(), reason="the captures in ../shared/seeds are not beside this clone"
)
PLANNED_STATUSES = {"To Be Determined", "Go for Launch"}


@pytest.fixture(scope="module")
def real_flights() -> list[dict]:
    return json.loads(FLIGHTS_SEED.read_text(encoding="utf-8"))["results"]


def serve(httpserver, flights: list[dict], crafts: list[dict] | None = None) -> FakeLL2:
    fake = FakeLL2(records=[dict(r) for r in crafts or []], flights=[dict(f) for f in flights])
    fake.base = httpserver.url_for("/2.3.0/")
    httpserver.expect_request(re.compile(r"/2\.3\.0/.*")).respond_with_handler(fake.handle)
    return fake


def fetch_flights(fake: FakeLL2, out, *extra: str) -> int:
    return main(
        [
            "fetch",
            "--out",
            str(out),
            "--base-url",
            fake.base,
            "--quiet",
            "--no-quota-check",
            "--endpoints",
            "spacecraft_flights",
            *extra,
        ]
    )


@pytest.fixture
def synced(httpserver, real_flights, tmp_path):
    """The 38 real flights fetched from the local server into a snapshot, and loaded."""
    fake = serve(httpserver, real_flights)
    assert fetch_flights(fake, tmp_path / "snap") == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # real records load without a warning
        return spacedata.load_tables(snapshot=tmp_path / "snap")


# ------------------------------------------------------------------ planned and flown


def test_real_flights_say_which_flew_and_how_exact_their_date_is(synced):
    fl = synced.flights
    assert check_dtypes(fl, FLIGHT_DTYPES) == []
    assert len(fl) == 38
    assert fl["flown"].sum() == 27 and (~fl["flown"]).sum() == 11 and fl["flown"].notna().all()
    planned = fl[~fl["flown"].astype(bool)]
    assert set(planned["launch_status"]) == PLANNED_STATUSES
    assert set(fl.loc[fl["flown"].astype(bool), "launch_status"]) == {"Launch Successful"}
    assert str(fl["launch_net_precision"].dtype) == "category"
    counts = fl["launch_net_precision"].value_counts().to_dict()
    assert counts["Second"] == 25 and counts["Year"] == 3 and counts["Quarter 4"] == 2
    assert {"Minute", "Month", "Year Half 1", "Quarter 1", "Quarter 3"} <= set(counts)
    starliner = fl[fl["spacecraft_name"] == "Starliner 2"].iloc[0]
    assert not starliner["flown"] and starliner["launch_net_precision"] == "Year"
    assert starliner["launch_net"] == pd.Timestamp("2026-12-31", tz="UTC")


def test_real_flights_keep_fractional_seconds_and_nulls(synced, real_flights):
    fl = synced.flights.set_index("id")
    raw = {f["id"]: f for f in real_flights}
    fractional = [i for i, f in raw.items() if f["duration"] and "." in f["duration"]]
    assert fractional, "the capture has fractional-second durations"
    one = next(i for i, f in raw.items() if f["duration"] == "P330DT21H55M25.711338S")
    assert fl.loc[one, "duration"] == pd.Timedelta(
        days=330, hours=21, minutes=55, seconds=25, microseconds=711338
    )
    assert fl["mission_end"].isna().sum() == 21
    assert fl["turn_around_time"].isna().sum() == 26
    assert fl["duration"].notna().sum() == sum(bool(f["duration"]) for f in raw.values())


def test_an_unknown_launch_status_is_not_known_with_one_warning(real_flights):
    flights = [json.loads(json.dumps(f)) for f in real_flights[:4]]
    flights[1]["launch"]["status"] = {"id": 99, "name": "Scrubbed by Martians"}
    flights[2]["launch"]["status"] = {"id": 98, "name": "Somewhere else"}
    with pytest.warns(RecordWarning) as seen:
        fl = build_flights(flights)
    mine = [w for w in seen if "launch.status" in str(w.message)]
    assert len(mine) == 1
    text = str(mine[0].message)
    assert str(flights[1]["id"]) in text and str(flights[2]["id"]) in text
    assert "Scrubbed by Martians" in text and "flown" in text
    assert fl["flown"].isna().tolist() == [False, True, True, False]


# ------------------------------------------------------ spacecraft that only flights carry


def test_spacecraft_known_only_from_flights_become_rows(synced, real_flights):
    sc = synced.spacecraft
    assert check_dtypes(sc, SPACECRAFT_DTYPES) == []
    assert len(sc) == 35 and set(sc["seen_in"]) == {"spacecraft_flights"}
    assert set(sc["id"]) == {f["spacecraft"]["id"] for f in real_flights}
    assert sc["flights_count"].max() == 16
    # 2 placeholder craft (carried by 3 flights), 9 without a serial number
    assert sc["is_placeholder"].sum() == 2 and sc["serial_number"].isna().sum() == 9
    wide = synced.wide()
    assert wide["agency_abbrev"].notna().all() and wide["config_name"].notna().all()
    fw = synced.flights_wide()
    assert fw["config_name"].notna().all() and fw["agency_abbrev"].notna().all()
    assert any("35 spacecraft" in n and "flights" in n for n in synced.notes)


def test_rows_from_the_spacecraft_endpoint_are_never_replaced(real_flights):
    from spacedata.tidy import EndpointData, assemble

    craft = json.loads(json.dumps(real_flights[0]["spacecraft"]))
    craft["name"] = "As the spacecraft endpoint says"
    tables = assemble(
        {
            "spacecraft": EndpointData([craft]),
            "spacecraft_flights": EndpointData(real_flights),
        }
    )
    sc = tables.spacecraft.set_index("id")
    assert sc.loc[craft["id"], "name"] == "As the spacecraft endpoint says"
    assert sc.loc[craft["id"], "seen_in"] == "spacecraft"
    assert (sc["seen_in"] == "spacecraft_flights").sum() == 34


# ------------------------------------------------------------------- the bundled sample


@pytest.fixture(scope="module")
def bundled():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sample loads without a warning
        return spacedata.load_tables("bundled")


def test_the_bundled_sample_holds_both_real_captures(bundled):
    sc, fl = bundled.spacecraft, bundled.flights
    assert len(sc) == 55
    assert sc["seen_in"].value_counts().to_dict() == {"spacecraft_flights": 35, "spacecraft": 20}
    assert sc["flights_count"].max() == 16
    assert len(fl) == 38 and fl["flown"].sum() == 27 and (~fl["flown"]).sum() == 11
    prov = bundled.provenance_for("spacecraft_flights")
    assert prov.source == "bundled" and prov.records == 38 and prov.count == 38
    assert prov.fetched_at is not None and prov.fetched_at.date().isoformat() == "2026-07-19"
    assert "lldev.thespacedevs.com" in prov.endpoint_url


def test_bundled_manifest_names_each_pages_origin():
    snap = spacedata.snapshot.bundled_snapshot()
    m = snap.manifest
    assert m.format == 2 and set(m.endpoints) == {"spacecraft", "spacecraft_flights"}
    assert all(p.url.startswith("https://lldev.thespacedevs.com/2.3.0/") for p in m.pages)
    flights = m.part("spacecraft_flights")
    assert flights.pages[0].origin and "Kileorguy/SpaceX-DataWarehouse" in flights.pages[0].origin
    assert all(p.origin for p in m.part("spacecraft").pages)
    raw = FLIGHTS_SEED.read_bytes()
    assert (snap.path / flights.pages[0].file).read_bytes() == raw  # byte for byte


def test_info_says_flown_planned_and_spacecraft_from_flights(capsys):
    assert main(["info", "--source", "bundled"]) == 0
    out = capsys.readouterr().out
    assert "Flights:" in out and "38 listed (27 flown, 11 planned)" in out
    assert "all 38 records its host listed, not all of LL2's" in out
    assert "as of 2026-07-19" in out
    assert "20 of about 603 records; 35 more known only from their flights" in out


# --------------------------------------------------------------- what each chart counts


def test_flights_per_year_keeps_planned_flights_apart(bundled):
    fl = bundled.flights_wide()
    fig = plots.flights_per_year(fl)
    planned = [t for t in fig.data if t.name.startswith("Planned")]
    flown = [t for t in fig.data if not t.name.startswith("Planned")]
    assert len(planned) == 1
    assert sum(sum(t.y) for t in flown) == 27 and sum(planned[0].y) == 11
    assert planned[0].marker.pattern.shape or planned[0].marker.line.width
    hover = json.dumps(planned[0].to_plotly_json())
    assert "year precision" in hover and "NET 2026" in hover
    assert "NET 2026 Q4, quarter 4 precision" in hover and "NET Jan 2027, month precision" in hover
    assert "Planned" not in json.dumps([t.to_plotly_json() for t in flown])
    # beside the flown stack, not on it: another offset group
    assert {t.offsetgroup for t in flown} == {"flown"} and planned[0].offsetgroup == "planned"
    assert fig.layout.barmode == "stack"
    assert "38 flights shown (27 flown, 11 planned)" in fig.layout.title.subtitle.text


def test_turnaround_and_time_in_space_count_flown_flights_only(bundled):
    fl = bundled.flights_wide()
    fig = plots.turnaround_per_flight(fl)
    names = {n for t in fig.data for n in json.dumps(t.customdata or [])}
    assert "Starliner 2" not in json.dumps([t.customdata for t in fig.data])
    assert names  # something is drawn
    flown_turn = fl[fl["flown"].astype(bool) & (fl["turn_around_time_days"] > 0)]
    points = sum(len(t.x) for t in fig.data if t.mode == "markers")
    assert points == len(flown_turn) > 0
    assert "11 planned flights not counted" in _shown_text(fig)
    assert "(27 flown, 11 planned)" in fig.layout.title.subtitle.text
    cum = plots.cumulative_time_in_space(fl)
    assert "11 planned flights not counted" in _shown_text(cum)
    for compact in (plots.turnaround_per_flight, plots.cumulative_time_in_space):
        # the dashboard hides subtitles on screen: the note is on the title's second line
        title = compact(fl, compact=True).layout.title.text.replace("<br>", " ")
        assert "11 planned flights not counted" in title
    total = sum(t.y[-1] for t in cum.data)
    want = fl.loc[fl["flown"].astype(bool), "duration_days"].sum() / plots.DAYS_PER_YEAR
    assert total == pytest.approx(want, rel=1e-3)


def _shown_text(fig) -> str:
    """A chart's title and subtitle: what a reader sees above it (notebook or PNG)."""
    return f"{fig.layout.title.text} {fig.layout.title.subtitle.text}"


# -------------------------------------------------------------------------------- diff


def test_diff_between_10_and_38_real_flights_says_28_added(httpserver, real_flights, tmp_path):
    fake = serve(httpserver, real_flights[:10])
    assert fetch_flights(fake, tmp_path / "ten") == 0
    fake.flights.records = [dict(f) for f in real_flights]
    assert fetch_flights(fake, tmp_path / "all", "--refresh") == 0
    changes = spacedata.diff(tmp_path / "ten", tmp_path / "all")
    fl = changes[changes["endpoint"] == "spacecraft_flights"]
    assert (fl["change"] == "added").sum() == 28 and len(fl) == 28
