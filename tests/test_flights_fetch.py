"""Fetching several endpoints: the fake's /spacecraft_flights/, per-endpoint faults, and the
quota plan: count probes that are page 1, reading what fits, exit 3 with when to come back,
--wait through the window (with an injected sleep that moves the fake's clock), resuming from
the cache without paying twice. Calls are counted on the server."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

import spacedata
from spacedata import load
from spacedata.cli import main
from spacedata.client import LL2Client, SyncResult
from spacedata.errors import QuotaExhaustedError, RateLimitError
from spacedata.snapshot import read_snapshot
from tests.ll2fake import DROP
from tests.test_faults import tree_digest

FLIGHTS = 1085  # the fake's flights (conftest): 11 pages; the spacecraft are 7


def fetch_cli(ll2, out, *extra: str) -> int:
    return main(["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet", *extra])


def pages_asked(ll2) -> Counter:
    """How often each (endpoint, offset) was requested."""
    return Counter((s.path.split("/")[-2], int(s.args["offset"])) for s in ll2.page_requests)


# --------------------------------------------------------------------- the fake's endpoint


def test_the_fake_pages_flights_like_ll2(client, ll2):
    result = client.fetch("spacecraft_flights")
    assert result.complete and result.count == FLIGHTS and len(result.records) == FLIGHTS
    assert [s.args["offset"] for s in ll2.flights_requests] == [str(n) for n in range(0, 991, 99)]
    assert [r["id"] for r in result.records] == sorted(r["id"] for r in ll2.flights.records)
    assert (
        result.endpoint == ll2.base + "spacecraft_flights/" and result.name == "spacecraft_flights"
    )
    first = client.fetch("spacecraft_flights", limit=10).pages[0].data
    assert (
        first["next"].startswith(ll2.base + "spacecraft_flights/?") and len(first["results"]) == 10
    )


def test_the_spacecraft_filter_search_and_mode(client, ll2):
    craft = next(r for r in ll2.records if r["flights_count"] == 3)
    mine = client.fetch("spacecraft_flights", {"spacecraft": craft["id"]})
    assert mine.complete and mine.count == 3
    assert {r["spacecraft"]["id"] for r in mine.records} == {craft["id"]}
    assert ll2.flights_requests[-1].args["spacecraft"] == str(craft["id"])
    found = client.fetch("spacecraft_flights", {"search": craft["name"]})
    assert {r["id"] for r in mine.records} <= {r["id"] for r in found.records}
    detailed = client.fetch("spacecraft_flights", {"spacecraft": craft["id"], "mode": "detailed"})
    assert all(r["response_mode"] == "detailed" and "launch_crew" in r for r in detailed.records)
    assert all("docking_events" in r for r in detailed.records)
    tables = spacedata.tidy_flights.flight_tables(detailed.records)
    assert len(tables["flights"]) == 3 and tables["rejected"].empty
    newest = client.fetch("spacecraft_flights", {"ordering": "-id"}, limit=50)
    assert newest.complete and [r["id"] for r in newest.records][:2] == [FLIGHTS, FLIGHTS - 1]
    assert ll2.flights_requests[-1].args["ordering"] == "-id"


# --------------------------------------------------------------- faults, per endpoint


@pytest.fixture
def good(ll2, tmp_path, capsys):
    out = tmp_path / "snap"
    assert fetch_cli(ll2, out, "--no-quota-check") == 0
    capsys.readouterr()
    ll2.seen = []
    return out, tree_digest(out)


FLIGHT_FAULTS = {
    "next null early": dict(envelope={99: {"next": None}}, says="stopped paging at offset 199"),
    "count drift": dict(envelope={990: {"count": 1200}}, says="reports 1200 records"),
    "non-object items": dict(junk_offsets={198}, says="are not records"),
    "page fails (HTML)": dict(html_offsets={297}, says="text/html"),
    "truncated JSON": dict(truncate_offsets={396}, says="invalid JSON"),
    "malformed next": dict(envelope={0: {"next": DROP, "count": -1}}, says="malformed 'count'"),
    "5xx on every retry": dict(fail_next=100, says="HTTP 500"),
}


@pytest.mark.parametrize("case", FLIGHT_FAULTS, ids=list(FLIGHT_FAULTS))
def test_a_fault_on_the_flights_endpoint_replaces_nothing(case, good, ll2, capsys):
    out, before = good
    spec = dict(FLIGHT_FAULTS[case])
    says = spec.pop("says")
    for key, value in spec.items():
        setattr(ll2.flights, key, value)
    assert fetch_cli(ll2, out, "--no-quota-check", "--refresh") == 3
    err = capsys.readouterr().err
    assert err.startswith("spacedata: incomplete: ") and says in err, err
    assert len(err.strip().splitlines()) == 1
    assert "spacecraft_flights" in err
    assert tree_digest(out) == before
    assert ll2.spacecraft.fail_next == 0 and not ll2.spacecraft.envelope  # per endpoint


def test_a_slow_drip_on_the_flights_endpoint_fails_at_the_deadline(good, ll2, capsys, monkeypatch):
    out, before = good
    monkeypatch.setenv("SPACEDATA_HTTP_DEADLINE", "1.5")
    ll2.flights.drip_offsets, ll2.flights.drip_s = {99}, 0.25
    assert fetch_cli(ll2, out, "--no-quota-check", "--refresh") == 3
    err = capsys.readouterr().err
    assert "timed out" in err and "1.5 s deadline" in err and len(err.strip().splitlines()) == 1
    assert tree_digest(out) == before


def test_records_moving_on_the_flights_endpoint_are_reread(good, ll2, capsys):
    out, _ = good

    def shift(ep) -> None:
        ep.records.remove(ep.records[20])
        ep.records.append(dict(ep.records[0], id=9_999_001))

    ll2.flights.after_page = {0: shift}
    assert fetch_cli(ll2, out, "--no-quota-check", "--refresh") == 0, capsys.readouterr().err
    assert len(ll2.flights_requests) == 12  # one page re-read
    snap = read_snapshot(out)
    assert sorted(r["id"] for r in snap.records("spacecraft_flights")) == sorted(
        r["id"] for r in ll2.flights.records
    )


# ----------------------------------------------------------------------- the quota plan


def test_the_count_probe_is_page_one(client, ll2):
    sync = client.sync()
    plan = sync.plan(client.throttle())
    assert [(s.path.split("/")[-2], s.args["offset"]) for s in ll2.page_requests] == [
        ("spacecraft", "0"),
        ("spacecraft_flights", "0"),
    ]
    assert [(e.name, e.count, e.pages, e.have) for e in plan.endpoints] == [
        ("spacecraft", 603, 7, 1),
        ("spacecraft_flights", FLIGHTS, 11, 1),
    ]
    assert plan.spent == 2 and plan.calls == 18 and plan.fits
    assert sync.run().complete
    assert pages_asked(ll2).most_common(1)[0][1] == 1 and len(ll2.page_requests) == 18


def test_a_sync_that_does_not_fit_reads_what_fits_then_finishes_from_the_cache(
    ll2, tmp_path, capsys
):
    ll2.quota = 15
    out = tmp_path / "snap"
    assert fetch_cli(ll2, out) == 3
    captured = capsys.readouterr()
    plan = re.search(r"the other 3 after about (\d\d:\d\d) UTC\.", captured.out)
    assert (
        captured.out.startswith(
            "Plan: spacecraft 603 records (7 pages), spacecraft flights 1,085 records (11 pages); "
            "needs 18 calls; 15 left now; the other 3 after about "
        )
        and plan
    ), captured.out
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "(spacecraft complete (7 pages), spacecraft_flights 8 of about 11 pages)" in err
    when = re.search(
        r"Run `spacedata fetch` again after (\d\d):(\d\d) UTC \(in about 60 min\)", err
    )
    later = datetime.now(timezone.utc) + timedelta(seconds=3600)
    minutes = (int(when[1]) * 60 + int(when[2]) - later.hour * 60 - later.minute) % 1440
    assert minutes in (0, 1439), err  # this minute, or the one before it
    assert ll2.used == 15 and len(ll2.page_requests) == 15  # all it had; no 429 provoked
    assert not out.exists()

    ll2.advance(3600)  # an hour later
    ll2.seen = []
    assert fetch_cli(ll2, out) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(
        "Plan: spacecraft 603 records (7 pages, 6 cached), spacecraft flights 1,085 records "
        "(11 pages, 7 cached); needs 3 calls (cached pages are free); 15 left now.\n"
    ), captured.out
    assert ll2.used == 3 and len(ll2.page_requests) == 3
    assert sorted(pages_asked(ll2)) == [("spacecraft_flights", o) for o in (792, 891, 990)]
    snap = read_snapshot(out)
    assert snap.manifest.complete and len(snap.records("spacecraft_flights")) == FLIGHTS


def test_wait_sleeps_to_the_next_window_with_a_countdown_and_finishes(
    ll2, tmp_path, capsys, monkeypatch
):
    ll2.quota = 15
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # no real sleep: the fake's clock moves instead
        slept.append(seconds)
        ll2.advance(seconds)

    monkeypatch.setattr(load, "_sleep", sleep)
    assert fetch_cli(ll2, tmp_path / "snap", "--wait") == 0
    captured = capsys.readouterr()
    assert "needs 18 calls; 15 left now; the other 3 after about" in captured.out
    assert "Waiting 60 min 0 s for LL2's quota (until " in captured.err
    assert "going on from the cache" in captured.err
    assert sum(slept) == 3600 and max(slept) <= 1  # a countdown, second by second
    asked = pages_asked(ll2)
    assert len(ll2.page_requests) == 18 and set(asked.values()) == {1}  # never paid twice
    assert ll2.used == 3  # the calls of the second window
    assert read_snapshot(tmp_path / "snap").manifest.complete


def test_wait_with_refresh_still_pays_each_page_once(ll2, tmp_path, capsys, monkeypatch):
    assert fetch_cli(ll2, tmp_path / "a", "--no-quota-check") == 0  # everything cached
    ll2.seen, ll2.used, ll2.quota = [], 0, 15
    monkeypatch.setattr(load, "_sleep", ll2.advance)
    assert fetch_cli(ll2, tmp_path / "b", "--wait", "--refresh") == 0
    assert len(ll2.page_requests) == 18 and set(pages_asked(ll2).values()) == {1}


def test_calls_freed_while_syncing_are_used_without_waiting(ll2, tmp_path, capsys):
    """LL2's window slides: calls made an hour ago free up during a sync."""
    ll2.quota = 15

    def free_three(ep) -> None:
        ll2.used -= 3

    ll2.flights.after_page = {594: free_three}
    assert fetch_cli(ll2, tmp_path / "snap") == 0
    assert "Waiting" not in capsys.readouterr().err
    assert len(ll2.page_requests) == 18 and set(pages_asked(ll2).values()) == {1}


def test_no_calls_left_at_all(ll2, tmp_path, capsys, monkeypatch):
    ll2.quota, ll2.used = 15, 15
    assert fetch_cli(ll2, tmp_path / "snap") == 3
    captured = capsys.readouterr()
    assert "size unknown yet (about 7 pages)" in captured.out
    assert "needs 18 calls; 0 left now; the other 18 after about" in captured.out
    assert ll2.page_requests == []
    monkeypatch.setattr(load, "_sleep", ll2.advance)
    assert fetch_cli(ll2, tmp_path / "snap", "--wait") == 0
    assert len(ll2.page_requests) == 18


def test_wait_through_429s_without_a_plan(ll2, tmp_path, capsys, monkeypatch):
    ll2.quota, ll2.window_s, ll2.retry_after = 10, 1234, 1234
    slept = []
    monkeypatch.setattr(load, "_sleep", lambda s: (slept.append(s), ll2.advance(s)))
    assert fetch_cli(ll2, tmp_path / "snap", "--no-quota-check", "--wait") == 0
    assert sum(slept) == 1234
    refused = [s for s in ll2.page_requests]
    assert len(refused) == 19  # 18 pages and the one 429, which is asked again after the wait
    assert read_snapshot(tmp_path / "snap").manifest.complete


def test_python_fetch_raises_quota_exhausted_and_keeps_what_arrived_beside(ll2, tmp_path):
    ll2.quota = 12
    reports = []
    with LL2Client(ll2.base, progress=False) as c:
        with pytest.raises(QuotaExhaustedError) as err:
            spacedata.fetch(
                tmp_path / "s", client=c, allow_partial=True, report=lambda *a: reports.append(a)
            )
    exc = err.value
    assert isinstance(exc, spacedata.IncompleteError) and isinstance(exc.partial, SyncResult)
    assert exc.partial.paused and not exc.partial.complete
    assert abs((exc.resume_at - datetime.now(timezone.utc)).total_seconds() - 3600) < 60
    assert reports[0][0] == "plan" and "the other 6 after about" in reports[0][1]
    assert not (tmp_path / "s").exists()
    kept = read_snapshot(tmp_path / "s.partial")
    assert not kept.manifest.complete and kept.manifest.part("spacecraft").complete
    flights = kept.manifest.part("spacecraft_flights")
    assert not flights.complete and flights.records_received == 496  # 5 pages of 100, overlapping
    assert flights.problems == ["not finished: stopped after 5 page(s) of about 11"]


def test_a_429_mid_sync_still_stops_with_exit_3(ll2, tmp_path, capsys):
    ll2.quota = 20
    ll2.retry_after = 900

    def spent(ep) -> None:  # someone else used the quota meanwhile
        ll2.used = ll2.quota

    ll2.flights.after_page = {198: spent}
    assert fetch_cli(ll2, tmp_path / "snap") == 3
    err = capsys.readouterr().err
    assert "rate limit was reached after 3 page(s) of /spacecraft_flights/" in err
    assert "try again in 900 s" in err


# ------------------------------------------------------------- choosing the endpoints


def test_endpoints_option_and_qualified_params(ll2, tmp_path, capsys):
    assert fetch_cli(ll2, tmp_path / "f", "--endpoints", "spacecraft_flights") == 0
    assert ll2.spacecraft_requests == []
    snap = read_snapshot(tmp_path / "f")
    assert (
        snap.endpoints == ("spacecraft_flights",) and snap.manifest.primary == "spacecraft_flights"
    )
    tables = spacedata.load_tables(tmp_path / "f")
    assert len(tables.flights) == FLIGHTS
    # no spacecraft pages: the spacecraft are those the flights embed
    assert set(tables.spacecraft["seen_in"]) == {"spacecraft_flights"}
    assert set(tables.spacecraft["id"]) == set(tables.flights["spacecraft_id"])
    note = tables.spacecraft.attrs["note"]
    assert note.startswith("This source holds no spacecraft pages;") and note in tables.notes
    assert not any("table is empty" in n for n in tables.notes)

    craft = ll2.records[0]
    ll2.seen = []
    argv = ["--param", "in_space=false", "--param", f"spacecraft_flights:spacecraft={craft['id']}"]
    assert fetch_cli(ll2, tmp_path / "both", *argv) == 0
    assert all(s.args.get("in_space") == "false" for s in ll2.spacecraft_requests)
    assert all(s.args["spacecraft"] == str(craft["id"]) for s in ll2.flights_requests)
    part = read_snapshot(tmp_path / "both").manifest.part("spacecraft_flights")
    assert (
        part.params["spacecraft"] == str(craft["id"])
        and part.count_reported == craft["flights_count"]
    )
    capsys.readouterr()
    assert fetch_cli(ll2, tmp_path / "x", "--endpoints", "spacecraft,launches") == 1
    assert "Unknown endpoint 'launches'" in capsys.readouterr().err


def test_offline_fetch_builds_the_snapshot_from_the_cache(ll2, tmp_path):
    assert fetch_cli(ll2, tmp_path / "a") == 0
    ll2.seen = []
    assert fetch_cli(ll2, tmp_path / "b", "--offline") == 0
    assert ll2.seen == []  # not even /api-throttle/
    snap = read_snapshot(tmp_path / "b")
    assert snap.manifest.complete and snap.manifest.source == "cache"


def test_rate_limit_error_carries_a_sync_result(ll2):
    ll2.quota = 9
    with LL2Client(ll2.base, progress=False) as c:
        sync = c.sync()
        with pytest.raises(RateLimitError) as err:
            sync.run()
        assert isinstance(err.value.partial, SyncResult)
        assert err.value.partial["spacecraft"].complete
        ll2.advance(3600)
        assert sync.run().complete  # resumes at the page that was refused
    assert len(ll2.page_requests) == 19 and pages_asked(ll2)[("spacecraft_flights", 198)] == 2
