"""load_tables / load_spacecraft: choosing the source and carrying provenance."""

from __future__ import annotations

import subprocess
import sys

import pytest

import spacedata
from spacedata.errors import RateLimitError, SnapshotError, SourceWarning
from spacedata.snapshot import default_snapshot_dir
from spacedata.snapshot_writer import write_snapshot
from spacedata.synthetic import write_synthetic_snapshot


def test_bundled_source_says_it_is_a_partial_sample():
    df = spacedata.load_spacecraft("bundled")
    assert len(df) == 55 and (df["seen_in"] == "spacecraft").sum() == 20  # 35 from flights
    assert df.attrs["source"] == "bundled" and df.attrs["complete"] is False
    assert df.attrs["count"] == 603 and df.attrs["fetched_at"] is None
    prov = spacedata.provenance_of(df)
    assert prov.describe().startswith(
        "Source: bundled sample snapshot, fetch date not recorded; partial sample: 20 of about 603"
    )


def test_live_load_then_cache(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    first = spacedata.load_spacecraft("live")
    assert first.attrs["source"] == "live" and first.attrs["complete"] and len(first) == 603
    assert first.attrs["location"] == ll2.base + "spacecraft/"
    ll2.seen = []
    tables = spacedata.load_tables("auto")
    assert ll2.seen == [] and tables.provenance.source == "cache"
    for frame in tables.frames().values():
        assert frame.attrs["source"] == "cache" and frame.attrs["count"] == 603


def test_auto_falls_back_to_latest_snapshot_then_bundled(ll2, monkeypatch):
    with pytest.warns(SourceWarning, match="the bundled sample"):
        df = spacedata.load_spacecraft("auto")  # SPACEDATA_BASE_URL is a closed port
    assert df.attrs["source"] == "bundled"
    with spacedata.LL2Client(ll2.base, progress=False) as c:
        write_snapshot(c.fetch("spacecraft"), default_snapshot_dir())
    with pytest.warns(SourceWarning, match="latest fetched snapshot"):
        df = spacedata.load_spacecraft("auto")
    assert df.attrs["source"] == "snapshot" and len(df) == 603 and df.attrs["complete"]


def test_live_source_raises_instead_of_falling_back(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    ll2.quota = 2
    with pytest.raises(RateLimitError):
        spacedata.load_tables("live", client=spacedata.LL2Client(ll2.base, progress=False))


def test_snapshot_env_and_argument(tmp_path, monkeypatch):
    write_synthetic_snapshot(250, tmp_path / "syn")
    df = spacedata.load_spacecraft(snapshot=tmp_path / "syn")
    assert len(df) == 250 and df.attrs["source"] == "synthetic"
    assert "SYNTHETIC" in spacedata.provenance_of(df).describe()
    monkeypatch.setenv("SPACEDATA_SNAPSHOT", str(tmp_path / "syn"))
    assert len(spacedata.load_spacecraft()) == 250


def test_snapshot_source_without_a_snapshot_says_what_to_do():
    with pytest.raises(SnapshotError, match="spacedata fetch"):
        spacedata.load_tables("snapshot")


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="source='web'"):
        spacedata.load_tables("web")


def test_import_is_light():
    code = "import sys, spacedata; print(sorted(m for m in ('pandas','plotly','panel','requests_cache','importlib.metadata') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_source_can_be_a_snapshot_path(tmp_path):
    write_synthetic_snapshot(40, tmp_path / "syn")
    assert len(spacedata.load_spacecraft(tmp_path / "syn")) == 40
    assert len(spacedata.load_spacecraft(str(tmp_path / "syn"))) == 40


def test_best_available_prefers_the_named_snapshot(tmp_path, monkeypatch):
    write_synthetic_snapshot(30, tmp_path / "syn")
    monkeypatch.setenv("SPACEDATA_SNAPSHOT", str(tmp_path / "syn"))
    tables, why = spacedata.load.best_available()
    assert len(tables.spacecraft) == 30 and "SPACEDATA_SNAPSHOT" in why


def test_best_available_then_the_latest_fetched_snapshot(ll2, monkeypatch):
    with spacedata.LL2Client(ll2.base, progress=False) as c:
        write_snapshot(c.fetch("spacecraft"), default_snapshot_dir())
    ll2.seen = []
    tables, why = spacedata.load.best_available()
    assert tables.provenance.complete and "latest fetched snapshot" in why and ll2.seen == []


def test_best_available_then_a_fresh_sync_saved_as_the_latest(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    tables, why = spacedata.load.best_available()
    assert "fresh sync" in why and "only" not in why and tables.provenance.complete
    assert len(ll2.spacecraft_requests) == 7 and len(ll2.flights_requests) == 11
    assert len(tables.flights) == len(ll2.flights.records) and tables.flights.attrs["complete"]
    latest = spacedata.snapshot.latest_snapshot()
    assert latest.manifest.complete and latest.endpoints == ("spacecraft", "spacecraft_flights")


def test_best_available_syncs_the_spacecraft_alone_when_only_they_fit(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    ll2.quota, ll2.used = 15, 5  # 10 left: the spacecraft (7) fit, both (18) do not
    tables, why = spacedata.load.best_available()
    assert "fresh sync of LL2 just now (spacecraft only: the quota left too few calls)" in why
    assert len(ll2.spacecraft_requests) == 7 and ll2.flights_requests == [] and ll2.used == 12
    assert tables.provenance.complete and tables.flights.empty
    assert "holds no spacecraft flights" in tables.flights.attrs["note"]


def test_best_available_without_quota_serves_the_sample_and_says_why(ll2, monkeypatch):
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    ll2.quota, ll2.used = 15, 12
    tables, why = spacedata.load.best_available()
    assert tables.provenance.source == "bundled" and "needs about 7 calls" in why
    assert "(all of spacecraft, spacecraft_flights: 18) but only 3 of 15 are left" in why
    assert ll2.page_requests == []


def test_best_available_offline_says_offline():
    tables, why = spacedata.load.best_available(quick_s=1)  # the base URL is a closed port
    assert tables.provenance.source == "bundled" and why.startswith(
        "the bundled sample (20 spacecraft records, 38 flights)"
    )
    assert "offline" in why


def test_best_available_with_spacedata_offline_says_so_and_asks_nothing(ll2, monkeypatch):
    """SPACEDATA_OFFLINE=1 is why the bundled sample is served: the page says that, not that
    LL2 "could not be reached within 3 s", and no request is made."""
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")
    tables, why = spacedata.load.best_available()
    assert tables.provenance.source == "bundled"
    assert why.endswith("offline: SPACEDATA_OFFLINE is set"), why
    assert ll2.seen == []  # not even the free api-throttle probe


def test_best_available_gives_up_on_a_silent_server(monkeypatch):
    """A host that accepts the connection and never answers: the probe's deadline ends it."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv(
            "SPACEDATA_BASE_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/2.3.0/"
        )
        tables, why = spacedata.load.best_available(quick_s=0.5)
    assert tables.provenance.source == "bundled" and "timed out" in why
