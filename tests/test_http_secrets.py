"""The API key and basic-auth credentials never land in the HTTP cache (SQLite) or any other file
written, nor in a message or log, whatever the server answers: same-host redirects, 429, 401,
500. The cache file and every file below the test's directory are read as bytes and searched."""

from __future__ import annotations

import base64
import sqlite3

import pytest

from spacedata.cli import main
from tests.conftest import TOKEN

SECRET = "pa55-w0rd-9c1d"
USER = "researcher"


def every_file(root) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.mark.parametrize("how", ["token", "basic"])
def test_credentials_never_land_on_disk_after_redirects_429_401_500(
    how, ll2, tmp_path, capsys, caplog, monkeypatch
):
    caplog.set_level("DEBUG")
    base = ll2.base
    if how == "token":
        monkeypatch.setenv("SPACEDATA_API_TOKEN", TOKEN)
        secrets = [TOKEN.encode()]
        sent = f"Token {TOKEN}"
    else:
        base = base.replace("http://", f"http://{USER}:{SECRET}@")
        basic = base64.b64encode(f"{USER}:{SECRET}".encode())
        secrets = [basic, SECRET.encode(), base64.b64encode(SECRET.encode())[:12]]
        sent = "Basic " + basic.decode()
    out = tmp_path / "snap"

    def fetch(*extra: str) -> int:
        argv = ["fetch", "--out", str(out), "--base-url", base, "--quiet", "--no-quota-check"]
        return main([*argv, *extra])

    ll2.redirects = {0: "same", 99: "same", 198: "same"}  # 302s on the same host, followed
    assert fetch() == 0, capsys.readouterr().err
    ll2.flights.fail_next = 100  # 500s, retried, then given up
    assert fetch("--refresh") == 3
    ll2.flights.fail_next = 0
    ll2.quota, ll2.used = 3, 0  # a 429 after 3 pages
    assert fetch("--refresh") == 3
    ll2.quota, ll2.refuse = 10_000, 401
    assert fetch("--refresh") == 3
    assert main(["info", "--quota", "--base-url", base]) == 1
    ll2.refuse = None

    redirected = [s for s in ll2.seen if s.path.endswith("/spacecraft/")]
    assert redirected and all(s.authorization == sent for s in ll2.seen)  # it was sent
    cache = tmp_path / "cache" / "http_cache.sqlite"
    rows = sqlite3.connect(cache).execute("select count(*) from redirects").fetchone()[0]
    assert rows >= 3  # the redirect aliases are stored ...
    stored = every_file(tmp_path)
    assert cache.stat().st_size > 0 and b"Authorization" not in stored.replace(b"\0", b"")
    for secret in secrets:  # ... and nothing that carries the credentials
        assert secret not in stored, secret
    texts = capsys.readouterr().err + caplog.text
    for secret in secrets:
        assert secret.decode() not in texts
