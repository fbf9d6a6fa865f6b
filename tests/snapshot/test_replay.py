"""The loopback WARC replay server, spoken to with plain ``http.client`` (real HTTP/1.1)."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from snapshot.replay import ReplayServer, load_warc
from tests.support import ROOT

pytestmark = pytest.mark.integration

ETAG = '"v1-abc"'
LAST_MODIFIED = "Sat, 22 Nov 2026 10:00:00 GMT"


def _write(path: Path) -> Path:
    records = [
        ("https://a.ma/", 200, [("Content-Type", "text/html")], b"<h1>A home</h1>"),
        ("https://a.ma/feed/?paged=2", 200, [("Content-Type", "application/rss+xml"),
                                             ("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)],
         b"<rss/>"),
        ("https://a.ma/old/", 301, [("Location", "https://a.ma/")], b""),
        # Stored gzip-encoded: served decoded with a fresh Content-Length.
        ("https://b.ma/z/", 200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
         gzip.compress(b"zipped body")),
        ("https://b.ma/", 200, [("Content-Type", "text/html")], b"<h1>B home</h1>"),
    ]
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, status, headers, body in records:
            http_headers = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http_headers))
        writer.write_record(writer.create_warc_record(
            "https://a.ma/", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return path


@pytest.fixture(scope="module")
def warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("replay") / "t.warc.gz")


@pytest.fixture
def server(warc: Path) -> Iterator[ReplayServer]:
    with ReplayServer(warc) as replay:
        yield replay


def get(server: ReplayServer, host: str, path: str, headers: dict[str, str] | None = None,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    address, port = server.addresses[host].split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=5)
    try:
        conn.request(method, path, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_index_holds_response_records_only(warc: Path) -> None:
    index = load_warc(warc)
    assert set(index) == {("a.ma", "/"), ("a.ma", "/feed/?paged=2"), ("a.ma", "/old/"),
                          ("b.ma", "/z/"), ("b.ma", "/")}


def test_one_loopback_address_per_host(server: ReplayServer) -> None:
    assert set(server.addresses) == {"a.ma", "b.ma"}
    ips = {address.rsplit(":", 1)[0] for address in server.addresses.values()}
    assert all(ip.startswith("127.") for ip in ips)
    assert len(set(server.addresses.values())) == 2


def test_serves_status_headers_body_dispatching_on_host(server: ReplayServer) -> None:
    assert get(server, "a.ma", "/")[2] == b"<h1>A home</h1>"
    # Any address serves any host: the Host header decides.
    address, port = server.addresses["a.ma"].split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=5)
    conn.request("GET", "/", headers={"Host": "b.ma"})
    assert conn.getresponse().read() == b"<h1>B home</h1>"
    conn.close()
    status, headers, body = get(server, "a.ma", "/old/")
    assert (status, headers["location"]) == (301, "https://a.ma/")
    status, headers, body = get(server, "b.ma", "/z/")
    assert (status, body, headers["content-length"]) == (200, b"zipped body", "11")
    assert "content-encoding" not in headers


def test_query_string_is_part_of_the_key(server: ReplayServer) -> None:
    assert get(server, "a.ma", "/feed/?paged=2")[0] == 200
    assert get(server, "a.ma", "/feed/")[0] == 404
    assert get(server, "a.ma", "/feed/?paged=3")[0] == 404


def test_unknown_url_and_host_are_404(server: ReplayServer) -> None:
    assert get(server, "a.ma", "/nope/")[0] == 404
    address, port = server.addresses["a.ma"].split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=5)
    conn.request("GET", "/", headers={"Host": "elsewhere.ma"})
    assert conn.getresponse().status == 404
    conn.close()


@pytest.mark.parametrize(("headers", "status"), [
    ({"If-None-Match": ETAG}, 304),
    ({"If-None-Match": f'"other", W/{ETAG}'}, 304),
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"other"'}, 200),
    ({"If-Modified-Since": LAST_MODIFIED}, 304),
    ({"If-Modified-Since": "Sun, 23 Nov 2026 10:00:00 GMT"}, 304),
    ({"If-Modified-Since": "Fri, 21 Nov 2026 10:00:00 GMT"}, 200),
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    ({"If-None-Match": '"other"', "If-Modified-Since": LAST_MODIFIED}, 200),
    ({"If-Modified-Since": "not a date"}, 200),
])
def test_conditional_get(server: ReplayServer, headers: dict[str, str], status: int) -> None:
    got, response_headers, body = get(server, "a.ma", "/feed/?paged=2", headers)
    assert got == status
    if status == 304:
        assert body == b"" and response_headers["etag"] == ETAG


def test_head_and_keep_alive(server: ReplayServer) -> None:
    address, port = server.addresses["a.ma"].split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=5)
    conn.request("HEAD", "/", headers={"Host": "a.ma"})
    response = conn.getresponse()
    assert (response.status, response.read(), response.getheader("Content-Length")) == \
        (200, b"", "15")
    conn.request("GET", "/", headers={"Host": "a.ma"})  # same connection
    assert conn.getresponse().read() == b"<h1>A home</h1>"
    conn.close()


def test_counts_requests_per_url(server: ReplayServer) -> None:
    get(server, "a.ma", "/")
    get(server, "a.ma", "/")
    get(server, "a.ma", "/nope/")
    assert server.request_count("https://a.ma/") == 2
    assert server.request_count("http://a.ma/nope/") == 1
    assert server.request_count("https://b.ma/") == 0
    assert server.requested_urls() == {"a.ma/": 2, "a.ma/nope/": 1}


def test_refuses_non_loopback(warc: Path) -> None:
    with pytest.raises(ValueError):
        ReplayServer(warc, first_address="10.0.0.1")


def test_command_line_prints_the_host_map(warc: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "snapshot.replay", str(warc)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        addresses = json.loads(process.stdout.readline())
        assert set(addresses) == {"a.ma", "b.ma"}
        address, port = addresses["b.ma"].split(":")
        conn = http.client.HTTPConnection(address, int(port), timeout=5)
        conn.request("GET", "/", headers={"Host": "b.ma"})
        assert conn.getresponse().read() == b"<h1>B home</h1>"
        conn.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
