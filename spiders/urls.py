"""Canonical form of discovered links, so one article found by a feed, a sitemap and a listing
is fetched once and compared against the ``seen_file`` by the same string.

Only the link as discovered is normalised here; the page's own ``rel=canonical`` is read later,
by extraction, from the page itself.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Click-tracking parameters that never change which page a server returns.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid",
        "cmpid", "xtor", "at_medium", "at_campaign", "amp_js_v", "share", "ref_src",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TAB_OR_NEWLINE = re.compile(r"[\t\r\n]")  # dropped by browsers (WHATWG URL)


def is_tracking_param(name: str) -> bool:
    """True for analytics parameters (``utm_source``, ``fbclid``, ``gclid``, ...)."""
    name = name.lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of a discovered link.

    Lower-cases scheme and host, drops the default port, the fragment and tracking
    parameters, sorts the remaining query arguments and percent-encodes the path and query
    the way w3lib does for Scrapy's duplicate filter. The path's trailing slash is kept:
    servers treat ``/a`` and ``/a/`` as different resources.

    Args:
        url: an absolute http(s) URL, possibly with surrounding whitespace.

    Returns:
        The canonical URL string.

    Raises:
        ValueError: ``url`` is not an absolute http(s) URL.
    """
    url = _TAB_OR_NEWLINE.sub("", url.strip())
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(name)
    ]
    url = urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    parts = urlsplit(canonicalize_url(url, keep_fragments=False))
    netloc = parts.hostname or ""
    if parts.port and parts.port != _DEFAULT_PORTS[parts.scheme]:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def try_canonical_url(url: str) -> str | None:
    """:func:`canonical_url`, or None for links that are not absolute http(s) URLs."""
    try:
        return canonical_url(url)
    except ValueError:
        return None
