"""Ordinary HTTP, as real servers and CDNs speak it, against the local LL2 (tests/ll2fake.py):
compressed answers, size bounds, redirects, 401/403, waits from every source, a ``next`` that
never ends, a CR in the key and a full disk. Each case is run as a user would (the command
line: exit code, one line on stderr, the snapshot at OUT unchanged) or from Python."""

from __future__ import annotations

import errno
import re
import tracemalloc
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer

from spacedata import load
from spacedata.cli import main
from spacedata.client import LL2Client
from spacedata.errors import ApiError, RateLimitError
from spacedata.snapshot import read_snapshot
from tests.conftest import TOKEN
from tests.ll2fake import FakeLL2, _bomb_body
from tests.test_faults import tree_digest

SMALL = 1_000_000  # a size bound for the tests: pages of the fake are ~150 kB (flights ~600 kB)


def fetch_cli(ll2, out, *extra: str) -> int:
    argv = ["fetch", "--out", str(out), "--base-url", ll2.base, "--quiet", "--no-quota-check"]
    return main([*argv, *extra])


@pytest.fixture
def good(ll2, tmp_path, capsys):
    """A complete snapshot at OUT (spacecraft only); returns (OUT, its digest)."""
    out = tmp_path / "snap"
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft") == 0
    capsys.readouterr()
    ll2.seen = []
    return out, tree_digest(out)


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def cached_urls(client: LL2Client) -> list[str]:
    return [r.url for r in client.session.cache.responses.values()]


# ------------------------------------------------------------------------------ encodings


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_answers_are_decoded(encoding, client, ll2, tmp_path, capsys):
    ll2.content_encoding = encoding
    result = client.fetch("spacecraft")
    assert result.complete and len(result.records) == 603
    assert all("gzip" in s.accept_encoding and "deflate" in s.accept_encoding for s in ll2.seen)
    assert client.throttle().limit == ll2.quota  # `info --quota` reads it too
    assert fetch_cli(ll2, tmp_path / "snap", "--refresh") == 0, capsys.readouterr().err
    snap = read_snapshot(tmp_path / "snap")
    assert snap.manifest.complete and len(snap.records()) == 603
    assert snap.pages()[0]["count"] == 603  # the pages are kept decoded


def test_an_encoding_not_asked_for_is_one_clear_line(good, ll2, capsys):
    out, before = good
    ll2.content_encoding = "br"
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft", "--refresh") == 3
    err = one_line(capsys)
    assert "Content-Encoding 'br'" in err and "invalid JSON" not in err
    assert tree_digest(out) == before


def test_a_compression_bomb_is_refused_quickly_with_bounded_memory(client, ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_HTTP_MAX_BYTES", str(SMALL))
    ll2.bomb_offsets, ll2.bomb_bytes = {99}, 200_000_000  # ~200 kB on the wire
    _bomb_body(ll2.bomb_bytes)  # built before measuring
    with LL2Client(ll2.base, backoff_factor=0, progress=False) as c:
        tracemalloc.start()
        try:
            with pytest.raises(ApiError) as err:
                c.fetch("spacecraft")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert "offset=99" in str(err.value) and "1,000,000-byte" in str(err.value)
        assert peak < 25_000_000, peak  # an eighth of the 200 MB, and most of it page 1
        assert len(ll2.spacecraft_requests) == 2  # refused, not retried
        ll2.bomb_offsets = set()
        assert c.fetch("spacecraft").complete


# ---------------------------------------------------------------------------- size bound


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_page_is_refused_not_cached_and_the_next_run_succeeds(
    chunked, good, ll2, capsys, monkeypatch
):
    out, before = good
    monkeypatch.setenv("SPACEDATA_CACHE_DIR", str(out.parent / "another-cache"))
    monkeypatch.setenv("SPACEDATA_HTTP_MAX_BYTES", str(SMALL))
    ll2.pad_offsets, ll2.chunked = {99: 3 * SMALL}, chunked
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft") == 3
    err = one_line(capsys)
    assert re.search(r"localhost:\d+/2\.3\.0/spacecraft/\?\S*offset=99", err), err
    assert "1,000,000-byte bound (SPACEDATA_HTTP_MAX_BYTES)" in err
    assert tree_digest(out) == before
    with LL2Client(ll2.base, progress=False) as c:
        urls = cached_urls(c)
        assert len(urls) == 1 and "offset=0" in urls[0]  # page 1 only: the big one was not kept
    ll2.pad_offsets, ll2.seen = {}, []
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft") == 0  # no --refresh needed
    assert [s.args["offset"] for s in ll2.spacecraft_requests][0] == "99"


def test_the_size_bound_is_32_mb_by_default_and_checked(monkeypatch):
    from spacedata import config

    assert config.http_max_bytes() == 32_000_000
    monkeypatch.setenv("SPACEDATA_HTTP_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match="SPACEDATA_HTTP_MAX_BYTES='lots'"):
        config.http_max_bytes()


# ----------------------------------------------------------------------------- redirects


def test_a_same_origin_redirect_is_followed_and_the_final_url_recorded(ll2, tmp_path, capsys):
    ll2.redirects = {99: "same", 198: "same"}
    out = tmp_path / "snap"
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft") == 0, capsys.readouterr().err
    pages = read_snapshot(out).manifest.part("spacecraft").pages
    assert "/2.3.0/moved/spacecraft/?" in pages[1].url and "offset=99" in pages[1].url
    assert "/moved/" not in pages[0].url and "/moved/" in pages[2].url
    assert ll2.used == 7  # the 302s cost nothing here; each page was paid once
    ll2.seen = []
    assert fetch_cli(ll2, tmp_path / "again", "--endpoints", "spacecraft") == 0
    assert ll2.seen == []  # the redirected pages are served by the cache too


@pytest.fixture
def other_server(fake_records):
    """A second LL2-like server on another port (it must never be asked anything)."""
    server = HTTPServer(host="localhost", port=0)
    server.start()
    fake = FakeLL2(records=[dict(r) for r in fake_records[0]])
    fake.base = server.url_for("/2.3.0/")
    server.expect_request(re.compile(r"/2\.3\.0/.*")).respond_with_handler(fake.handle)
    yield fake
    server.clear()
    server.stop()


@pytest.mark.parametrize("where", ["other-host", "other-port", "other-scheme"])
def test_a_redirect_off_the_origin_is_refused_naming_both_urls(
    where, good, ll2, other_server, capsys
):
    out, before = good
    port = re.search(r":(\d+)/", ll2.base)[1]
    target = {
        "other-host": "other-host",
        "other-port": other_server.base,
        "other-scheme": f"https://localhost:{port}/2.3.0/",
    }[where]
    ll2.redirects = {198: target}
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft", "--refresh") == 3
    err = one_line(capsys)
    frm = re.search(r"from (http://localhost:\d+/2\.3\.0/spacecraft/\?\S*offset=198)", err)
    to = re.search(r"to (https?://[^ ]+/2\.3\.0/spacecraft/\?\S*offset=198)", err)
    assert frm and to and frm[1] != to[1], err
    assert "refused" in err and "SPACEDATA_BASE_URL" in err
    assert tree_digest(out) == before
    assert not [s for s in ll2.seen if s.host.startswith("127.0.0.1")]
    assert other_server.seen == []


def test_a_redirect_chain_that_never_ends_stops(good, ll2, capsys):
    out, before = good
    ll2.redirect_loop = True
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft", "--refresh") == 3
    err = one_line(capsys)
    assert "redirected more than 5 times" in err
    assert len(ll2.seen) == 6 and tree_digest(out) == before


# ------------------------------------------------------------------------------- 401/403


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_says_so_and_what_to_check(status, good, ll2, capsys, monkeypatch):
    out, before = good
    monkeypatch.setenv("SPACEDATA_API_TOKEN", TOKEN)
    ll2.refuse = status
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft", "--refresh") == 3
    err = one_line(capsys)
    assert f"LL2 refused the key (HTTP {status}" in err and "check SPACEDATA_API_TOKEN" in err
    assert "Transient" not in err and TOKEN not in err
    assert len(ll2.seen) == 1  # not retried
    assert tree_digest(out) == before
    assert main(["info", "--quota", "--base-url", ll2.base]) == 1
    assert f"LL2 refused the key (HTTP {status}" in one_line(capsys)


def test_a_401_without_a_key_says_to_set_one(ll2, tmp_path, capsys):
    ll2.refuse = 401
    assert fetch_cli(ll2, tmp_path / "snap") == 3
    err = one_line(capsys)
    assert "HTTP 401" in err and "SPACEDATA_API_TOKEN" in err and "Transient" not in err


def test_a_cr_in_the_key_is_named_not_a_network_problem(ll2, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPACEDATA_API_TOKEN", TOKEN[:10] + "\r" + TOKEN[10:])
    assert fetch_cli(ll2, tmp_path / "snap") == 1
    err = one_line(capsys)
    assert "SPACEDATA_API_TOKEN" in err and "carriage return" in err
    assert "reach" not in err and TOKEN[:10] not in err and TOKEN[10:] not in err
    assert ll2.seen == []
    monkeypatch.setenv("SPACEDATA_API_TOKEN", TOKEN + "\r\n")  # a Windows line end: trimmed
    assert fetch_cli(ll2, tmp_path / "snap", "--endpoints", "spacecraft") == 0
    assert all(s.authorization == f"Token {TOKEN}" for s in ll2.seen)


# ----------------------------------------------------------------------------------- waits

ABSURD = "99999999999999"


def test_an_absurd_wait_in_a_429_text_is_capped_and_waited(ll2, tmp_path, capsys, monkeypatch):
    ll2.quota, ll2.retry_after, ll2.retry_after_text = 5, None, ABSURD  # 5 pages, a 429, 2
    slept: list[float] = []
    monkeypatch.setattr(load, "_sleep", lambda s: (slept.append(s), ll2.advance(s)))
    code = fetch_cli(ll2, tmp_path / "snap", "--endpoints", "spacecraft", "--wait")
    err = capsys.readouterr().err
    assert code == 0 and "internal error" not in err, err
    assert sum(slept) == 24 * 3600  # at most a day, as said
    assert "asked to wait 99999999999999 s; waiting at most 24 h" in err


@pytest.mark.parametrize(
    "header",
    [
        ABSURD,
        "1e400",
        "-5",
        "nan",
        "soon",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True),
    ],
    ids=["absurd", "1e400", "-5", "nan", "soon", "year-9999", "an-hour-ago"],  # stable: xdist
)
def test_every_retry_after_is_validated_and_capped(header, client, ll2):
    ll2.quota, ll2.retry_after_header = 0, header
    with pytest.raises(RateLimitError) as err:
        client.fetch("spacecraft")
    wait = err.value.retry_after
    assert wait is None or 0 <= wait <= 24 * 3600
    assert "try again" in str(err.value)


def test_an_absurd_next_use_from_the_throttle_never_raises(ll2, tmp_path, capsys, monkeypatch):
    ll2.quota, ll2.used = 15, 15
    monkeypatch.setattr(ll2, "next_use_secs", lambda: int(ABSURD))
    assert main(["fetch", "--out", str(tmp_path / "s"), "--base-url", ll2.base, "--quiet"]) == 3
    err = one_line(capsys)
    assert "internal error" not in err and "quota" in err


# ------------------------------------------------------------------- paging that never ends


def test_a_next_that_never_ends_is_named(good, ll2, capsys):
    out, before = good
    ll2.endless_next = True
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft", "--refresh") == 3
    err = one_line(capsys)
    assert "'next' link does not end" in err and "kept moving" not in err
    assert len(ll2.spacecraft_requests) == 7  # stopped at the last record, no empty page read
    assert tree_digest(out) == before


# -------------------------------------------------------------------------------- disk full


def test_a_full_disk_names_the_directory_and_says_nothing_was_replaced(
    good, ll2, capsys, monkeypatch
):
    out, before = good
    from spacedata import snapshot_writer

    def full(path, data) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(snapshot_writer, "_write_file", full)
    assert fetch_cli(ll2, out, "--endpoints", "spacecraft") == 3
    err = one_line(capsys)
    assert f"in {out}" in err and "No space left on device" in err
    assert "nothing was replaced" in err and "free" in err.lower()
    assert tree_digest(out) == before
