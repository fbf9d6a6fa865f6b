"""The offline check of a live night (``flows/network.py``) on loopback and ``.invalid`` hosts:
a host that does not resolve is unreachable, a refused connection means the network works, an
address the crawl may not use is left to the crawl, and one reachable outlet is enough."""

from __future__ import annotations

import socket

import pytest

from pipeline.network import offline_reason, probe
from registry import Outlet


def outlet(oid: str, home: str, allow: list[str] | None = None) -> Outlet:
    host = home.split("/")[2].split(":")[0]
    return Outlet.model_validate({
        "id": oid, "name": oid, "home": home, "hosts": [host],
        "sources": [{"kind": "feed", "url": home + "feed/"}],
        "article_patterns": ["^x$"], "allow_private_addresses": allow or False})


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_host_that_does_not_resolve_is_unreachable() -> None:
    assert probe(outlet("a", "https://nowhere-khabar.invalid/"), timeout=5).startswith(
        "nowhere-khabar.invalid does not resolve")


def test_a_refused_or_accepted_connection_means_the_network_works() -> None:
    closed = outlet("b", f"http://127.0.0.1:{free_port()}/", allow=["127.0.0.1"])
    assert probe(closed) is None
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert probe(outlet("c", f"http://127.0.0.1:{port}/", allow=["127.0.0.1"])) is None


def test_an_address_the_crawl_may_not_use_is_not_probed() -> None:
    # Loopback without allow_private_addresses: the crawl refuses it and says so itself.
    assert probe(outlet("d", f"http://127.0.0.1:{free_port()}/")) is None


def test_one_reachable_outlet_is_enough_and_none_is_offline(monkeypatch) -> None:
    lost = [outlet("e", "https://e-khabar.invalid/"), outlet("f", "https://f-khabar.invalid/")]
    line = offline_reason(lost, timeout=5)
    assert line is not None and line.startswith("offline: none of the 2 outlets can be reached")
    assert "e: e-khabar.invalid does not resolve" in line and "\n" not in line
    here = outlet("g", f"http://127.0.0.1:{free_port()}/", allow=["127.0.0.1"])
    assert offline_reason([*lost, here], timeout=5) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert offline_reason(lost, timeout=5) is None  # a proxy resolves for the crawls
