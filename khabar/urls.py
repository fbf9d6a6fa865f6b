"""URL identity: when two addresses are the same article, for the crawl and for extraction.

One tracking list and one chain of rules, in two strengths:

* :func:`article_url`, the address an article is stored under (``articles.canonical_url``):
  fragment, tracking parameters and AMP variants (``/amp/``, ``?amp=1``) dropped, scheme and
  host lower-cased, nothing else touched. :func:`article_id` hashes it, so its rule decides
  every stored id: it is the rule extraction had before this module (``clean_url``), with the
  one tracking list below.
* :func:`canonical_url`, the key the crawl compares links by (discovered links, the ``seen``
  file, retries): :func:`article_url`, then w3lib's ``canonicalize_url`` (query arguments
  sorted, path and query percent-encoded the way Scrapy's duplicate filter does it) and the
  default port dropped. Two links with one key are fetched once; an article's key is the key
  of its stored address, so what the warehouse holds and what discovery finds compare by the
  same rule.

The stored form is not the strict one because stored ids must not move: WordPress prints
percent-escapes in lower case (``%d8%a7``) and w3lib upper-cases them, so the strict form
would give every Arabic slug a new ``article_id``. courlan's ``normalize_url`` was not used for
the same reason (its own tracking list and rules would change stored ids).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that never change which article a page is: click ids, campaign and analytics tags,
# share counters, WordPress Views' listing state (``wpv_*``) appended to article links, and the
# AMP switches (``amp``, Arc XP's ``outputType``) that serve the same article in another dress.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid",
        "cmpid", "xtor", "amp_js_v", "share", "ref", "ref_src", "amp", "outputtype",
        "wpv_view_count", "wpv_paged",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "at_")
# Hex digits of SHA-256 kept in an ``article_id``: 64 bits, no collision expected below ~4
# billion articles.
ARTICLE_ID_HEX_DIGITS = 16
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TAB_OR_NEWLINE = re.compile(r"[\t\r\n]")  # dropped by browsers (WHATWG URL)


def is_tracking_param(name: str) -> bool:
    """True for analytics parameters (``utm_source``, ``fbclid``, ``gclid``, ...)."""
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def article_url(url: str) -> str:
    """The address an article is stored under: fragment, tracking parameters and AMP variants
    (``/amp/``, ``/amp``, a leading ``/amp/``) dropped, scheme and host lower-cased.

    Args:
        url: an absolute URL, possibly with surrounding whitespace.

    Returns:
        The stored form (``articles.canonical_url``; :func:`article_id` hashes it).

    Raises:
        ValueError: ``url`` cannot be split (a malformed IPv6 host).
    """
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not is_tracking_param(k)])
    path = parts.path
    if path.endswith("/amp/") or path.endswith("/amp"):
        path = path[: path.rfind("/amp")] + "/"
    elif path.startswith("/amp/"):
        path = path[len("/amp") :]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path or "/", query, ""))


def canonical_url(url: str) -> str:
    """The key links are compared by: :func:`article_url`, then percent-encoded and sorted as
    w3lib does for Scrapy's duplicate filter, without the default port or user info. The
    path's trailing slash is kept: servers treat ``/a`` and ``/a/`` as different resources.

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
    parts = urlsplit(canonicalize_url(article_url(url), keep_fragments=False))
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


def article_id(stored_url: str) -> str:
    """The warehouse key of an article: the first ``ARTICLE_ID_HEX_DIGITS`` hex digits of
    SHA-256 of its :func:`article_url`. The warehouse's SQL calls this very function
    (``warehouse.db.connect`` registers it as ``article_id``)."""
    return hashlib.sha256(stored_url.encode("utf-8")).hexdigest()[:ARTICLE_ID_HEX_DIGITS]
