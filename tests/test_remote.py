"""Reading published releases from anywhere (issue 21): a plain static HTTP server
(http.server on 127.0.0.1) serving a published directory, moto's S3 server receiving a publish
to s3:// and serving it back, tampering, a 404 on latest.json, a stalling server, credentials
never written, and a dashboard fleet switching together on a new publish without calling LL2."""

from __future__ import annotations

import functools
import http.server
import json
import socket
import threading
import time

import pytest

import spacedata
from spacedata.cli import main
from spacedata.errors import SnapshotError
from spacedata.publishing import LATEST, publish
from tests.snapshots21 import complete_snapshot

SECRET = "pa55-w0rd-77e1"
USER = "team"


class _Handler(http.server.SimpleHTTPRequestHandler):
    seen: list  # (path, Authorization) of every request, set per server

    def do_GET(self):  # noqa: N802 - http.server's name
        self.seen.append((self.path, self.headers.get("Authorization")))
        super().do_GET()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def served(tmp_path):
    """``(url, directory, seen)``: http.server serving ``tmp_path/site`` on 127.0.0.1."""
    site = tmp_path / "site"
    site.mkdir()
    seen: list = []
    handler = type("H", (_Handler,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/data", site / "data", seen
    finally:
        server.shutdown()
        server.server_close()


def first_name(tables) -> str:
    return str(tables.wide()["name"].iloc[0]) + "|" + "|".join(tables.wide()["name"].astype(str))


def test_load_from_a_static_http_server_and_cache_the_version_for_good(served, tmp_path):
    url, dest, seen = served
    store = complete_snapshot(tmp_path / "snap", 1)
    done = publish(dest, store)
    tables = spacedata.load_tables(url)
    prov = spacedata.provenance_of(spacedata.load_spacecraft(url))
    assert prov.published_url == url and prov.published_version == done.version
    assert prov.complete and prov.location == url and "v1" in first_name(tables)
    assert f"release {done.version} published at {url}" in spacedata.cite(tables)
    assert f"release {done.version} published at {url}" in prov.describe()
    pages = [p for p, _ in seen if "/pages/" in p]
    assert len(pages) == 2
    seen.clear()
    spacedata.load_tables(url)  # the version is kept: latest.json only
    assert [p for p, _ in seen] == ["/data/latest.json"]


def test_info_and_diff_read_published_urls(served, tmp_path, capsys):
    url, dest, _ = served
    store = complete_snapshot(tmp_path / "snap", 1)
    publish(dest, store)
    other = tmp_path / "pub2"
    complete_snapshot(store, 2)
    publish(other, store)
    assert main(["info", "--source", url]) == 0
    out = capsys.readouterr().out
    assert url in out and "Release" in out
    assert main(["diff", url, other.as_uri()]) == 0
    out = capsys.readouterr().out
    assert "~" in out and "name" in out
    with pytest.raises(SystemExit) as usage:
        main(["info", "--source", "nowhere"])
    assert usage.value.code == 2


def test_a_tampered_file_is_one_error_naming_it(served, tmp_path, capsys):
    url, dest, _ = served
    done = publish(dest, complete_snapshot(tmp_path / "snap", 1))
    page = dest / done.version / "pages" / "spacecraft" / "0002.json"
    page.write_bytes(page.read_bytes().replace(b'"name"', b'"nome"', 1))
    with pytest.raises(SnapshotError, match=r"pages/spacecraft/0002\.json: does not match"):
        spacedata.load_tables(url)
    assert main(["info", "--source", url]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "0002.json" in err and "Traceback" not in err
    # the manifest changed: its sha256 no longer matches latest.json
    page.write_bytes(page.read_bytes().replace(b'"nome"', b'"name"', 1))
    manifest = dest / done.version / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"live"', b'"cache"'))
    with pytest.raises(SnapshotError, match=r"manifest\.json: does not match the sha256 in latest"):
        spacedata.load_tables(url)
    # nothing unverified was kept
    assert not list((tmp_path / "cache" / "published").glob("*/2*"))


def test_a_tampered_cached_copy_is_read_again(served, tmp_path):
    url, dest, _ = served
    done = publish(dest, complete_snapshot(tmp_path / "snap", 1))
    spacedata.load_tables(url)
    kept = next((tmp_path / "cache" / "published").glob(f"*/{done.version}"))
    page = kept / "pages" / "spacecraft" / "0001.json"
    page.write_bytes(page.read_bytes().replace(b"v1", b"v7"))
    assert "v1" in first_name(spacedata.load_tables(url))  # re-read from the server, verified


def test_a_missing_latest_json_is_one_clear_line(served, tmp_path, capsys):
    url, dest, _ = served
    dest.mkdir()
    with pytest.raises(SnapshotError, match=r"latest\.json: is missing \(HTTP 404\)"):
        spacedata.load_tables(url)
    assert main(["info", "--source", url]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "latest.json" in err


def test_a_missing_page_names_it(served, tmp_path):
    url, dest, _ = served
    done = publish(dest, complete_snapshot(tmp_path / "snap", 1))
    (dest / done.version / "pages" / "spacecraft" / "0001.json").unlink()
    with pytest.raises(SnapshotError, match=r"0001\.json: is missing \(HTTP 404\)"):
        spacedata.load_tables(url)


def test_old_versions_leave_the_cache(served, tmp_path):
    url, dest, _ = served
    store = complete_snapshot(tmp_path / "snap", 1)
    names = []
    for n in (1, 2, 3):
        complete_snapshot(store, n)
        names.append(publish(dest, store).version)
        spacedata.load_tables(url)
    kept = sorted(p.name for p in (tmp_path / "cache" / "published").glob("*/2*"))
    assert kept == names[1:]


def test_a_redirect_to_another_origin_is_refused(served, tmp_path, httpserver):
    url, dest, seen = served
    httpserver.expect_request("/data/latest.json").respond_with_data(
        "", status=302, headers={"Location": f"{url}/latest.json"}
    )
    with pytest.raises(SnapshotError, match=r"latest\.json: the server redirected to another"):
        spacedata.load_tables(httpserver.url_for("/data"))
    assert seen == []  # never followed


def test_offline_reads_the_kept_release(served, tmp_path, monkeypatch):
    url, dest, seen = served
    done = publish(dest, complete_snapshot(tmp_path / "snap", 1))
    spacedata.load_tables(url)
    seen.clear()
    monkeypatch.setenv("SPACEDATA_OFFLINE", "1")
    assert spacedata.load_tables(url).provenance.published_version == done.version
    assert seen == []
    with pytest.raises(SnapshotError, match="offline mode is on .* never read here"):
        spacedata.load_tables(url + "-other")
    assert seen == []


@pytest.fixture
def stalling(monkeypatch):
    """A server on 127.0.0.1 that answers headers, then one byte every 0.2 s forever."""
    stop = threading.Event()
    sock = socket.create_server(("127.0.0.1", 0))

    def serve():
        sock.settimeout(0.2)
        conns = []
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                for c in conns:
                    try:
                        c.sendall(b" ")
                    except OSError:
                        pass
                continue
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            conns.append(conn)
        for c in conns:
            c.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setenv("SPACEDATA_HTTP_DEADLINE", "1.5")
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/data"
    stop.set()
    thread.join(5)
    sock.close()


def test_a_stalling_server_is_bounded_by_the_deadline(stalling, capsys):
    with pytest.raises(SnapshotError, match=r"latest\.json: timed out .*1\.5 s deadline"):
        spacedata.load_tables(stalling)
    assert main(["info", "--source", stalling]) == 1
    assert "timed out" in capsys.readouterr().err


def test_credentials_in_the_url_are_sent_and_never_written(served, tmp_path, capsys, caplog):
    caplog.set_level("DEBUG")
    url, dest, seen = served
    secret_url = url.replace("http://", f"http://{USER}:{SECRET}@")
    publish(dest, complete_snapshot(tmp_path / "snap", 1))
    tables = spacedata.load_tables(secret_url)
    assert all(auth and auth.startswith("Basic ") for _, auth in seen)
    assert "***@" in tables.provenance.published_url
    spacedata.export(tables, tmp_path / "out", format="csv")
    assert main(["info", "--source", secret_url]) == 0
    assert main(["diff", secret_url, secret_url]) == 0
    (dest / LATEST).unlink()  # errors too
    assert main(["info", "--source", secret_url]) == 1
    with pytest.raises(SnapshotError) as caught:
        spacedata.load_tables(secret_url)
    said = capsys.readouterr()
    text = "\n".join(
        [said.out, said.err, caplog.text, str(caught.value), repr(tables.wide().attrs)]
    )
    written = b"\n".join(p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file())
    for secret in (SECRET, f"{USER}:{SECRET}"):
        assert secret not in text
        assert secret.encode() not in written
    assert spacedata.cite(tables).count(SECRET) == 0


# ----------------------------------------------------------------------------- S3 (moto)


@pytest.fixture(scope="module")
def moto_s3():
    """moto's S3 API on 127.0.0.1 (its server mode), for the module."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:  # a free port (moto 5.0 cannot report one it chose)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


S3_KEY, S3_SECRET = "AKIAFAKE21", "s3-secret-4f1b9d"


@pytest.fixture
def s3(moto_s3, monkeypatch):
    """An s3fs filesystem on moto with a fresh bucket; fake credentials via the environment."""
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    bucket = f"team-{time.monotonic_ns()}"
    fs.mkdir(bucket)
    return fs, bucket


def test_publish_to_s3_and_read_it_back(s3, tmp_path, capsys, caplog):
    caplog.set_level("DEBUG", logger="spacedata")  # botocore's own debug log signs with the key
    fs, bucket = s3
    url = f"s3://{bucket}/ll2"
    store = complete_snapshot(tmp_path / "snap", 1)
    assert main(["publish", url, "--snapshot", str(store)]) == 0
    first = json.loads(fs.cat_file(f"{bucket}/ll2/{LATEST}"))
    tables = spacedata.load_tables(url)
    assert tables.provenance.published_version == first["version"] and "v1" in first_name(tables)
    complete_snapshot(store, 2)
    assert main(["publish", url, "--snapshot", str(store)]) == 0
    assert main(["publish", url, "--snapshot", str(store)]) == 0  # again: a no-op
    assert "nothing written" in capsys.readouterr().out.splitlines()[-1]
    tables = spacedata.load_tables(url)
    assert tables.provenance.published_version > first["version"]
    assert "v2" in first_name(tables)
    # tampered in the bucket: one line naming the object
    version = tables.provenance.published_version
    obj = f"{bucket}/ll2/{version}/pages/spacecraft/0001.json"
    fs.pipe_file(obj, fs.cat_file(obj).replace(b"v2", b"v3"))
    fs.pipe_file(f"{bucket}/ll2/{LATEST}", fs.cat_file(f"{bucket}/ll2/{LATEST}"))
    import shutil

    shutil.rmtree(tmp_path / "cache" / "published")
    with pytest.raises(SnapshotError, match=rf"s3://{bucket}/ll2/{version}/pages/spacecraft/0001"):
        spacedata.load_tables(url)
    # the keys are never written by spacedata, nor shown
    said = capsys.readouterr()
    written = b"\n".join(p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file())
    stored = b"\n".join(fs.cat_file(p) for p in fs.find(bucket))
    for secret in (S3_SECRET, S3_KEY):
        assert secret.encode() not in written and secret.encode() not in stored
        assert secret not in said.out + said.err
        assert secret not in "".join(
            r.getMessage() for r in caplog.records if r.name == "spacedata"
        )


# --------------------------------------------------------------------------------- fleet


def test_a_fleet_on_one_url_switches_together_and_never_calls_ll2(
    served, tmp_path, monkeypatch, ll2
):
    from spacedata.dashboard.data import SharedData, loader_from_env

    url, dest, seen = served
    monkeypatch.setenv("SPACEDATA_BASE_URL", ll2.base)  # any LL2 call would show in ll2.seen
    monkeypatch.setenv("SPACEDATA_SNAPSHOT", url)
    store = complete_snapshot(tmp_path / "snap", 1)
    v1 = publish(dest, store)
    fleet = []
    for _ in range(2):  # two servers' processes: each its own loader and data
        loader, period = loader_from_env()
        assert period == "10m"
        fleet.append(SharedData(loader))
    assert {s.current.provenance.published_version for s in fleet} == {v1.version}
    for shared in fleet:  # a refresh with no new publish: the same version, latest.json only
        seen.clear()
        shared.refresh()
        assert [p for p, _ in seen] == ["/data/latest.json"]
        assert shared.current.refresh_error is None
    complete_snapshot(store, 2)
    v2 = publish(dest, store)
    for shared in fleet:
        shared.refresh()
    assert {s.current.provenance.published_version for s in fleet} == {v2.version}
    assert all("v2" in str(s.current.frame["name"].tolist()) for s in fleet)
    (dest / LATEST).unlink()  # the host fails: the last good data stays, with the reason
    for shared in fleet:
        shared.refresh()
        assert shared.current.provenance.published_version == v2.version
        assert "latest.json" in shared.current.refresh_error
    assert ll2.seen == []


def test_a_fleet_member_started_while_the_url_is_down_serves_the_sample_then_switches(
    served, tmp_path, monkeypatch
):
    from spacedata.dashboard.data import SharedData, loader_from_env

    url, dest, _ = served
    monkeypatch.setenv("SPACEDATA_SNAPSHOT", url)
    shared = SharedData(loader_from_env()[0])
    assert shared.current.provenance.source == "bundled"
    assert f"could not be read and was not used: {url}/latest.json: is missing" in (
        shared.current.problem
    )
    done = publish(dest, complete_snapshot(tmp_path / "snap", 1))
    shared.refresh()
    assert shared.current.provenance.published_version == done.version


def test_serve_checks_a_published_url_before_starting(tmp_path, capsys):
    missing = (tmp_path / "nothing").as_uri()
    assert main(["serve", "--snapshot", missing]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "latest.json" in err


def test_two_served_dashboards_on_one_url_switch_after_a_new_publish(served, tmp_path, chromium):
    """Two `spacedata serve` processes (each its own cache, as on two machines) on one
    published URL show the same release, and both show the next one after it is published,
    within their refresh period (SPACEDATA_REFRESH=2s here); LL2 is a closed port."""
    from tests.browser import DashboardServer, deep_text, open_page, wait_until

    url, dest, _ = served
    store = complete_snapshot(tmp_path / "snap", 1)
    v1 = publish(dest, store)
    servers = [
        DashboardServer(
            env={
                "SPACEDATA_SNAPSHOT": url,
                "SPACEDATA_REFRESH": "2s",
                "SPACEDATA_CACHE_DIR": str(tmp_path / f"cache{i}"),
            }
        )
        for i in range(2)
    ]
    try:
        context = chromium.new_context()

        def shown(srv) -> str:
            page = open_page(context, srv.url, charts=0)
            try:
                return deep_text(page.locator("body"))
            finally:
                page.close()

        for srv in servers:
            assert f"release {v1.version} published at {url}" in shown(srv)
        complete_snapshot(store, 2)
        v2 = publish(dest, store)
        for srv in servers:
            wait_until(lambda srv=srv: f"release {v2.version}" in shown(srv), timeout=90)
        context.close()
    finally:
        for srv in servers:
            srv.stop()
