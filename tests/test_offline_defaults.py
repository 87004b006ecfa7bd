"""The default source ("auto") offline: it gives up on LL2 within a deadline it sets, whatever
the network does (name not found, refused, accepted and silent, stalled mid-body), says so in
one short line naming a choice that works, and does not wait again for a while (issue 20
item 3). Every server here is a real socket on 127.0.0.1."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import warnings

import pytest
from pytest_httpserver import HTTPServer

import spacedata
from spacedata import load
from spacedata.errors import SourceWarning
from spacedata.snapshot import default_snapshot_dir
from spacedata.snapshot_writer import write_snapshot
from tests.ll2fake import FakeLL2


class Silent:
    """A server on 127.0.0.1 that accepts connections and counts them; it never answers, or
    (``headers=True``) sends a 200's headers and the start of the body, then stalls."""

    def __init__(self, headers: bool = False):
        self.headers, self.connections, self.held = headers, 0, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}/2.3.0/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(conn)
            if self.headers:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 100000\r\n\r\n{"count": 603, "results": ['
                )

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent():
    server = Silent()
    yield server
    server.close()


@pytest.fixture
def stalled():
    server = Silent(headers=True)
    yield server
    server.close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


def auto_load(caplog) -> tuple[object, str, str]:
    """load_spacecraft() with its one SourceWarning and what it logged at INFO."""
    caplog.clear()
    with warnings.catch_warnings(record=True) as seen, caplog.at_level(logging.INFO, "spacedata"):
        warnings.simplefilter("always")
        started = time.monotonic()
        df = spacedata.load_spacecraft()
        assert time.monotonic() - started < 30  # a sanity bound only; the deadline is below
    mine = [w for w in seen if issubclass(w.category, SourceWarning)]
    assert len(mine) == 1, [str(w.message) for w in seen]
    return df, str(mine[0].message), caplog.text


def check_warning(text: str, why: str) -> None:
    assert "\n" not in text and len(text) < 300, text
    assert why in text
    assert "loaded the bundled sample (20 of ~603 spacecraft)" in text
    assert "source='bundled' or SPACEDATA_OFFLINE=1" in text
    assert "snapshot'" not in text and 'snapshot"' not in text  # no fetched snapshot exists


def test_the_deadline_is_five_seconds_and_the_back_off_five_minutes():
    assert load.AUTO_DEADLINE_S == 5.0 and load.AUTO_RETRY_AFTER_S == 300.0


def test_name_not_found_gives_up_and_is_not_looked_up_again(monkeypatch, caplog):
    monkeypatch.setenv("SPACEDATA_BASE_URL", "http://ll2.spacedata-test.invalid/2.3.0/")
    try:
        socket.getaddrinfo("ll2.spacedata-test.invalid", 80)
        pytest.skip("this machine's resolver answers for .invalid")
    except OSError:
        pass
    lookups = []
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: lookups.append(a[0]) or real(*a, **k)
    )
    df, text, logged = auto_load(caplog)
    assert df.attrs["source"] == "bundled" and len(df) == 55
    check_warning(text, "LL2 unreachable (name not found)")
    assert "ll2.spacedata-test.invalid" in logged and lookups
    lookups.clear()
    df, text, _ = auto_load(caplog)
    assert lookups == [] and df.attrs["source"] == "bundled"
    check_warning(text, "(name not found; next try in 300 s)")


def test_connection_refused_is_not_retried(monkeypatch, caplog):
    monkeypatch.setenv("SPACEDATA_BASE_URL", f"http://127.0.0.1:{closed_port()}/2.3.0/")
    df, text, logged = auto_load(caplog)
    assert df.attrs["source"] == "bundled"
    check_warning(text, "LL2 unreachable (connection refused)")
    assert "connection refused" in logged


@pytest.mark.parametrize("server", ["silent", "stalled"])
def test_a_server_that_never_answers_is_given_the_deadline_once(
    server, request, monkeypatch, caplog
):
    srv = request.getfixturevalue(server)
    monkeypatch.setenv("SPACEDATA_BASE_URL", srv.base)
    df, text, logged = auto_load(caplog)
    assert df.attrs["source"] == "bundled"
    check_warning(text, "LL2 unreachable (timed out)")
    assert "within the 5 s deadline" in logged  # the deadline "auto" set, not the 60 s one
    assert srv.connections == 1  # no retries
    df, text, _ = auto_load(caplog)
    assert srv.connections == 1  # the second load did not touch the network
    check_warning(text, "(timed out; next try in ")
    # the back-off counts down from AUTO_RETRY_AFTER_S (299 s when the first load took >1 s)
    wait = re.search(r"\(timed out; next try in (\d+) s\)", text)
    assert wait and 0 < int(wait[1]) <= load.AUTO_RETRY_AFTER_S, text
    monkeypatch.setattr(load, "AUTO_RETRY_AFTER_S", 0.0)  # the back-off over: it tries again
    load._unreachable.clear()
    auto_load(caplog)
    auto_load(caplog)
    assert srv.connections == 3


def test_a_fetched_snapshot_is_named_with_source_local(ll2, silent, monkeypatch, caplog):
    with spacedata.LL2Client(ll2.base, progress=False) as c:
        write_snapshot(c.fetch("spacecraft"), default_snapshot_dir())
    monkeypatch.setenv("SPACEDATA_BASE_URL", silent.base)
    df, text, _ = auto_load(caplog)
    assert df.attrs["source"] == "snapshot" and len(df) == 603
    assert "\n" not in text and len(text) < 300
    assert "loaded your latest fetched snapshot (603 spacecraft, 20" in text
    assert text.endswith("For no network wait: source='local' or SPACEDATA_OFFLINE=1.")


def test_offline_setting_skips_the_network(silent, monkeypatch, caplog):
    monkeypatch.setenv("SPACEDATA_BASE_URL", silent.base)
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")
    df, text, _ = auto_load(caplog)
    assert silent.connections == 0 and df.attrs["source"] == "bundled"
    assert text.startswith("SPACEDATA_OFFLINE is on") and len(text) < 300


def test_a_live_success_ends_the_back_off(fake_records, monkeypatch, caplog):
    port = closed_port()
    base = f"http://127.0.0.1:{port}/2.3.0/"
    monkeypatch.setenv("SPACEDATA_BASE_URL", base)
    auto_load(caplog)  # refused: "auto" now stays off this API root
    crafts, flights = fake_records
    fake = FakeLL2(records=[dict(r) for r in crafts], flights=[dict(f) for f in flights])
    fake.base = base
    server = HTTPServer(host="127.0.0.1", port=port)
    server.expect_request("/2.3.0/spacecraft/").respond_with_handler(fake.handle)
    server.start()
    try:
        _, text, _ = auto_load(caplog)  # LL2 is back, but "auto" does not look yet
        assert "next try in" in text and fake.seen == []
        assert len(spacedata.load_spacecraft("live")) == 603  # a live load that works...
        fake.seen.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("error", SourceWarning)
            df = spacedata.load_spacecraft(refresh=True)  # ...and "auto" goes live again
        assert df.attrs["source"] == "live" and len(fake.seen) == 7
    finally:
        server.stop()
