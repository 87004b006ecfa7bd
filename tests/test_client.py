"""The HTTP client against a real local server that behaves like LL2."""

from __future__ import annotations

import socket
import sqlite3

import pytest
import pytest_socket

from spacedata.client import LL2Client
from spacedata.errors import (
    ApiError,
    CacheWarning,
    NetworkError,
    NotCachedError,
    QuotaError,
    RateLimitError,
)
from tests.conftest import TOKEN


def test_full_sync_pages_by_100_overlapping_by_one_in_id_order(client, ll2):
    result = client.fetch("spacecraft")
    assert len(ll2.spacecraft_requests) == 7  # 603 records at limit=100, one record overlap
    assert [s.args["offset"] for s in ll2.spacecraft_requests] == [
        str(n) for n in range(0, 595, 99)
    ]
    assert all(
        s.args["ordering"] == "id" and s.args["limit"] == "100" for s in ll2.spacecraft_requests
    )
    assert result.complete and result.count == 603
    assert [r["id"] for r in result.records] == sorted(r["id"] for r in ll2.records)
    assert result.source == "live"


def test_a_second_fetch_of_an_endpoint_is_served_by_the_cache(client, ll2):
    thin = client.fetch("spacecraft", {"in_space": True})
    ll2.seen = []
    generic = client.fetch("spacecraft", {"in_space": True})
    assert ll2.spacecraft_requests == []  # the same pages: served by the cache
    assert [r["id"] for r in generic.records] == [r["id"] for r in thin.records]
    assert generic.name == thin.name == "spacecraft" and generic.endpoint == client.endpoint
    with pytest.raises(ValueError, match="Unknown endpoint 'launches'"):
        client.fetch("launches")
    assert ll2.seen == []


def test_limit_is_capped_and_checked(client, ll2):
    with pytest.raises(ValueError, match="1 to 100"):
        client.fetch("spacecraft", limit=500)
    result = client.fetch("spacecraft", limit=40)
    assert len(ll2.spacecraft_requests) == 16 and result.complete


def test_documented_filters_pass_through(client, ll2):
    params = {"in_space": False, "search": "soyuz", "ordering": "-flights_count", "mode": "normal"}
    result = client.fetch("spacecraft", params)
    sent = ll2.spacecraft_requests[0].args
    assert sent["in_space"] == "false" and sent["search"] == "soyuz" and sent["mode"] == "normal"
    expected = ll2.select({"in_space": "false", "search": "soyuz"})
    assert {r["id"] for r in result.records} == {r["id"] for r in expected}
    assert result.complete and 0 < len(result.records) < 603


@pytest.mark.parametrize("params", [{"colour": "red"}, {"ordering": "launch_date"}])
def test_unknown_parameters_are_refused(client, params):
    with pytest.raises(ValueError, match="colour|ordering"):
        client.fetch("spacecraft", params)


def test_429_keeps_pages_and_resumes_from_cache(client, ll2):
    ll2.quota = 3
    with pytest.raises(RateLimitError) as err:
        client.fetch("spacecraft")
    assert err.value.retry_after == 1234
    assert len(ll2.spacecraft_requests) == 4  # the 429 is not retried (nor slept out)
    assert "1234 s" in str(err.value) and "after 3 page(s)" in str(err.value)
    assert len(err.value.partial.pages) == 3 and len(err.value.partial.records) == 298
    assert not err.value.partial.complete
    ll2.quota, ll2.used, ll2.seen = 15, 0, []  # the hour has passed
    result = client.fetch("spacecraft")
    assert result.complete and len(result.records) == 603
    assert [s.args["offset"] for s in ll2.spacecraft_requests] == ["297", "396", "495", "594"]
    assert result.source == "live" and sum(p.from_cache for p in result.pages) == 3


def test_429_without_retry_after_reads_drf_detail(client, ll2):
    ll2.quota, ll2.retry_after = 0, None
    with pytest.raises(RateLimitError) as err:
        client.fetch("spacecraft")
    assert err.value.retry_after == 321


def test_intermittent_500s_are_retried(client, ll2):
    ll2.fail_next = 2
    result = client.fetch("spacecraft")
    assert result.complete
    assert len(ll2.spacecraft_requests) == 9  # 7 pages + 2 retried failures


def test_persistent_500s_raise_api_error(ll2):
    ll2.fail_next = 100
    with LL2Client(ll2.base, retries=2, backoff_factor=0, progress=False) as c:
        with pytest.raises(ApiError, match="HTTP 500"):
            c.fetch("spacecraft")
    assert len(ll2.spacecraft_requests) == 3  # first try + 2 retries, then stop


def test_records_appended_at_the_end_during_a_sync_are_all_read(client, ll2, real_records):
    extra = [dict(real_records[0], id=900_000 + i) for i in range(5)]
    ll2.drift_after_first_page = extra  # new ids sort last: nothing shifts, all are read
    result = client.fetch("spacecraft")
    assert result.complete and result.count == 608 and len(result.records) == 608


def test_duplicate_records_are_deduplicated_and_reported(client, ll2):
    ll2.records.append(dict(ll2.records[0]))  # the same id twice: 604 rows, 603 unique
    result = client.fetch("spacecraft")
    assert len(result.records) == 603 and not result.complete
    assert any("arrived more than once" in p for p in result.problems)


def test_truncated_json_is_an_error_and_not_cached(client, ll2):
    ll2.truncate_offsets = {198}
    with pytest.raises(ApiError, match="invalid JSON") as err:
        client.fetch("spacecraft")
    assert len(err.value.partial.pages) == 2
    ll2.truncate_offsets, ll2.seen = set(), []
    assert client.fetch("spacecraft").complete
    assert [s.args["offset"] for s in ll2.spacecraft_requests] == [
        "198",
        "297",
        "396",
        "495",
        "594",
    ]


def test_html_error_page_is_an_error_and_not_cached(client, ll2):
    ll2.html_offsets = {0}
    with pytest.raises(ApiError, match="text/html"):
        client.fetch("spacecraft")
    ll2.html_offsets, ll2.seen = set(), []
    client.fetch("spacecraft")
    assert ll2.spacecraft_requests[0].args["offset"] == "0"


def test_second_sync_is_served_from_cache(client, ll2):
    client.fetch("spacecraft")
    ll2.seen = []
    again = client.fetch("spacecraft")
    assert ll2.spacecraft_requests == [] and again.source == "cache" and again.complete


def test_refresh_asks_again(client, ll2):
    client.fetch("spacecraft")
    ll2.seen = []
    client.fetch("spacecraft", refresh=True)
    assert len(ll2.spacecraft_requests) == 7


def test_offline_reads_cache_and_says_what_is_missing(client, ll2):
    client.fetch("spacecraft")
    ll2.seen = []
    with LL2Client(ll2.base, offline=True, progress=False) as offline:
        assert offline.fetch("spacecraft").complete
        with pytest.raises(NotCachedError, match="not in the cache"):
            offline.fetch("spacecraft", {"in_space": True})
    assert ll2.seen == []


def test_corrupt_cache_is_set_aside_and_rebuilt(ll2, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "http_cache.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.warns(CacheWarning, match="unreadable"):
        c = LL2Client(ll2.base, cache_dir=cache, progress=False, backoff_factor=0)
    with c:
        assert c.fetch("spacecraft").complete
    assert len(list(cache.glob("http_cache.sqlite.corrupt-*"))) == 1
    sqlite3.connect(cache / "http_cache.sqlite").execute("select count(*) from responses")


def test_quota_precheck_refuses_a_sync_that_cannot_finish(client, ll2):
    ll2.quota, ll2.used = 15, 12
    with pytest.raises(QuotaError, match="needs about 7 calls but only 3 of 15"):
        client.fetch("spacecraft", check_quota=True)
    assert ll2.spacecraft_requests == []
    ll2.used = 0
    assert client.fetch("spacecraft", check_quota=True).complete
    assert ll2.used == 7  # the throttle reads cost nothing


def test_api_key_is_sent_but_never_stored_or_shown(ll2, tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("SPACEDATA_API_TOKEN", TOKEN)
    caplog.set_level("DEBUG")
    with LL2Client(ll2.base, backoff_factor=0, retries=1, progress=False) as c:
        result = c.fetch("spacecraft")
        assert TOKEN not in repr(c)
        ll2.fail_next, ll2.seen = 10, []
        with pytest.raises(ApiError) as err500:
            c.fetch("spacecraft", refresh=True)
        ll2.quota, ll2.fail_next = 0, 0
        with pytest.raises(RateLimitError) as err429:
            c.fetch("spacecraft", {"in_space": True})
    assert all(s.authorization == f"Token {TOKEN}" for s in ll2.seen)
    from spacedata.snapshot_writer import write_snapshot

    write_snapshot(result, tmp_path / "snap")
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert (tmp_path / "cache" / "http_cache.sqlite").stat().st_size > 0
    assert TOKEN.encode() not in stored
    for text in (str(err500.value), str(err429.value), caplog.text):
        assert TOKEN not in text


def test_unreachable_host_is_a_network_error(tmp_path):
    with LL2Client("http://127.0.0.1:9/2.3.0/", retries=1, backoff_factor=0, progress=False) as c:
        with pytest.raises(NetworkError, match="Could not reach LL2 at 127.0.0.1:9"):
            c.fetch("spacecraft")


def test_tests_cannot_reach_the_internet():
    with pytest.raises(pytest_socket.SocketConnectBlockedError):
        socket.create_connection(("93.184.215.14", 443), timeout=1)
