"""Is the web there at all? A live night asks before it crawls (plain functions, no Prefect).

Offline, every crawl would fail only after Scrapy's own retries and the crawl task's (measured
before this check: 3 minutes and two tracebacks for a two-outlet night), and every outlet would
be reported as failing. Instead each outlet's home host is resolved and, where the crawl would be
allowed to reach the address (``spiders/guard.py``: public addresses, or the outlet's
``allow_private_addresses``), a TCP connection is opened to it, all outlets at once, within
``PROBE_SECONDS``. If not one outlet can be reached, the night fails in seconds with one line;
if any can, the crawls run and an unreachable outlet fails on its own, as before.

Nothing is fetched and nothing is recorded: the fetch history that tomorrow's retries are drawn
from (``warehouse.retries``) never sees an offline night. Behind an HTTP proxy (``https_proxy``
and the like) the machine may resolve nothing itself while Scrapy reaches every site: no check.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from registry import Outlet

# Resolving and connecting, every outlet at once. A resolver that answers at all answers within
# a second or two; an outlet slower than this to accept a connection would time out its crawl's
# requests anyway (DOWNLOAD_TIMEOUT).
PROBE_SECONDS = 8.0
_PROXY_VARIABLES = ("https_proxy", "http_proxy", "all_proxy")


def behind_proxy() -> bool:
    """Whether the crawls go through a proxy (an environment variable Scrapy honours)."""
    return any(os.environ.get(name) or os.environ.get(name.upper())
               for name in _PROXY_VARIABLES)


def _allowed(address: str, outlet: Outlet) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    networks = outlet.private_networks
    if networks is None or ip.is_global:
        return True
    return any(ip in ipaddress.ip_network(net) for net in networks)


def probe(outlet: Outlet, timeout: float = PROBE_SECONDS) -> str | None:
    """None if the outlet's home host can be reached, else why not (a few words).

    Reached means: it resolves, and a TCP connection to one of its addresses the crawl may use
    opens or is refused (a refusal comes from the host: the network works). A host resolving
    only to addresses the crawl would refuse counts as reached: the crawl reports that itself.
    """
    parts = urlsplit(outlet.home)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.monotonic() + timeout
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"{host} does not resolve ({getattr(exc, 'strerror', None) or exc})"
    allowed = [info for info in infos if _allowed(str(info[4][0]), outlet)]
    if not allowed:
        return None
    last = "no address"
    for family, kind, proto, _, address in allowed:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(left)
            try:
                sock.connect(address)
                return None
            except ConnectionRefusedError:
                return None
            except TimeoutError:
                last = "connection timed out"
            except OSError as exc:
                last = exc.strerror or str(exc)
    return f"{host} does not answer ({last})"


def offline_reason(outlets: Sequence[Outlet], timeout: float = PROBE_SECONDS) -> str | None:
    """None when at least one outlet can be reached (or a proxy is configured), else the one
    line the night fails with, naming why each outlet could not be reached."""
    if not outlets or behind_proxy():
        return None
    results: dict[str, str | None] = {}

    def run(outlet: Outlet) -> None:
        results[outlet.id] = probe(outlet, timeout)

    # Daemon threads: a resolver stuck past the deadline must not keep the process alive.
    threads = [threading.Thread(target=run, args=(o,), daemon=True) for o in outlets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + 1.0
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(results.get(o.id, "") is None for o in outlets):
        return None
    why = "; ".join(f"{o.id}: {results.get(o.id) or 'no answer in time'}" for o in outlets)
    return (f"offline: none of the {len(outlets)} outlets can be reached ({why}); nothing was "
            "crawled and nothing recorded as failed, so the next night tries every URL as if "
            "tonight had not run; check this machine's network and DNS")
