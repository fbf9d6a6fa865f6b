"""Typed outlet declarations: what the registry file may say, checked once at load time."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from transforms.record import ExtractionHints

OutletId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


def _http_url(url: str) -> str:
    """An absolute http(s) URL without credentials. ``user:password@host`` is refused: Scrapy
    cannot send it (the fetch fails with the password in the error) and it would sit in every
    log line. A token in the query string (``?token=…``) works and is redacted in the crawl's
    log and fetch records (``spiders/redact.py``)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"must be an absolute http(s) URL, got {url!r}")
    if "@" in parts.netloc:
        raise ValueError("must not carry credentials (user:password@host); a feed token goes "
                         "in the query string, where logs redact it")
    return url


class SourceKind(StrEnum):
    """How an outlet's article URLs are discovered (Fundus's typed sources)."""

    FEED = "feed"  # RSS 2.0 or Atom
    SITEMAP = "sitemap"  # urlset or sitemap index
    NEWS_SITEMAP = "news_sitemap"  # Google News sitemap (last 48 h)
    ROBOTS = "robots"  # the Sitemap: lines of robots.txt
    LISTING = "listing"  # HTML listing pages, paginated through ``{page}``


# The page number of a listing template: a ``page/{page}`` (or bare ``{page}``) last path
# segment, or a query parameter whose value is ``{page}``.
_PAGE_SEGMENT = re.compile(r"(?:page/)?\{page\}/?$")


def first_listing_page(template: str) -> str:
    """Page 1 of a paginated listing: the listing's own address, derived from its template.

    ``…/category/x/page/{page}/`` → ``…/category/x/``, ``…/x/{page}`` → ``…/x/``,
    ``…/x?page={page}&s=1`` → ``…/x?s=1``. Sites answer ``/page/1/`` or ``?page=1`` with a
    redirect to that address at best, and with 404 at worst (WordPress redirects, many others do
    not). A template of another shape (``…/list-{page}.html``) gives page 1 with ``1`` in place;
    the registry's ``first_page`` says otherwise.
    """
    parts = urlsplit(template)
    if "{page}" in parts.query:
        kept = [p for p in parts.query.split("&") if p.partition("=")[2] != "{page}"]
        if len(kept) < len(parts.query.split("&")):
            return urlunsplit(parts._replace(query="&".join(kept)))
    if "{page}" in parts.path and _PAGE_SEGMENT.search(parts.path):
        path = _PAGE_SEGMENT.sub("", parts.path)
        if path.endswith("/"):
            return urlunsplit(parts._replace(path=path))
    return template.replace("{page}", "1")


class Source(BaseModel):
    """One discovery entry point."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: SourceKind
    url: str
    max_pages: int = Field(default=1, ge=1, le=10_000)
    # Listings only: CSS selector of the part of the page that lists articles (default: all).
    links_css: str | None = None
    # Paginated listings only: the address of page 1 when it cannot be derived from ``url``
    # (``first_listing_page``).
    first_page: str | None = None

    @field_validator("url", "first_page")
    @classmethod
    def _absolute_http(cls, url: str | None) -> str | None:
        return None if url is None else _http_url(url)

    @property
    def first_page_url(self) -> str:
        """The URL requested as page 1 of this source (its ``url`` when not paginated)."""
        if self.first_page:
            return self.first_page
        return first_listing_page(self.url) if "{page}" in self.url else self.url

    @field_validator("links_css")
    @classmethod
    def _valid_css(cls, css: str | None) -> str | None:
        if css is not None:
            from cssselect import GenericTranslator, SelectorError

            try:
                GenericTranslator().css_to_xpath(css)
            except SelectorError as exc:
                raise ValueError(f"bad CSS selector {css!r}: {exc}") from exc
        return css

    @model_validator(mode="after")
    def _paginated_listing(self) -> Source:
        if self.max_pages > 1 and "{page}" not in self.url:
            raise ValueError("max_pages > 1 needs a '{page}' placeholder in url")
        if self.first_page and (self.kind is not SourceKind.LISTING or "{page}" not in self.url):
            raise ValueError("first_page is for a paginated listing (kind listing, '{page}' "
                             "in url)")
        return self


# A User-Agent names the bot, not a browser, and says how to reach its operator.
_BROWSER_UA = re.compile(r"^\s*(Mozilla|Opera)/", re.IGNORECASE)
_CONTACT = re.compile(r"https?://|@")


class Politeness(BaseModel):
    """Per-outlet overrides of the crawl's politeness settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int = Field(default=4, ge=1, le=32)
    delay: float = Field(default=0.0, ge=0.0, le=60.0)
    # Replaces the crawl's User-Agent for this outlet (e.g. the name a site's robots.txt or
    # its webmaster knows us by). Honest: not a browser's, and with a contact URL or address.
    user_agent: str | None = Field(default=None, min_length=3, max_length=200)

    @field_validator("user_agent")
    @classmethod
    def _honest_user_agent(cls, agent: str | None) -> str | None:
        if agent is None:
            return None
        if not agent.isprintable() or not agent.isascii():
            raise ValueError("must be printable ASCII on one line")
        if _BROWSER_UA.match(agent):
            raise ValueError(f"must name the bot, not pretend to be a browser: {agent!r}")
        if not _CONTACT.search(agent):
            raise ValueError(f"must carry a contact URL or e-mail address: {agent!r}")
        return agent


class Outlet(BaseModel):
    """One news outlet. ``id`` is stable and reused everywhere (spider name, table rows, files)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: OutletId
    name: str = Field(min_length=1)
    home: str
    hosts: tuple[str, ...] = Field(min_length=1)
    country: str = Field(default="MA", pattern=r"^[A-Z]{2}$")
    languages: tuple[str, ...] = Field(default=("fr",), min_length=1)
    timezone: str = "Africa/Casablanca"
    aggregator: bool = False
    sources: tuple[Source, ...] = Field(min_length=1)
    article_patterns: tuple[str, ...] = Field(min_length=1)
    ignore_patterns: tuple[str, ...] = ()
    politeness: Politeness = Politeness()
    remove_selectors: tuple[str, ...] = ()
    body_selector: str | None = None
    spider: str | None = None  # dotted path of an outlet-specific spider class, if one is needed
    # Private, loopback and link-local addresses are refused by default (spiders/guard.py).
    # ``true`` allows them all for this outlet (an intranet source); a list of addresses or
    # CIDR networks allows only those (a test server): redirects elsewhere stay refused.
    allow_private_addresses: bool | tuple[str, ...] = False

    @field_validator("allow_private_addresses", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, list | tuple):
            return value
        networks = []
        for item in value:
            try:
                networks.append(str(ipaddress.ip_network(str(item).strip("[]"), strict=False)))
            except ValueError as exc:
                raise ValueError(f"not an IP address or network: {item!r}") from exc
        return tuple(networks)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, tz: str) -> str:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {tz!r}") from exc
        return tz

    @field_validator("article_patterns", "ignore_patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

    @field_validator("home")
    @classmethod
    def _home_url(cls, url: str) -> str:
        return _http_url(url)

    @field_validator("hosts")
    @classmethod
    def _lowercase_hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(h.lower() for h in hosts)

    @model_validator(mode="after")
    def _urls_on_own_hosts(self) -> Outlet:
        for url in (self.home, *(u for s in self.sources for u in (s.url, s.first_page) if u)):
            host = urlsplit(url).hostname or ""
            if host not in self.hosts:
                raise ValueError(f"{url} is not on the outlet's hosts {list(self.hosts)}")
        return self

    @property
    def private_networks(self) -> tuple[str, ...] | None:
        """The non-public networks this outlet's crawl may reach: None for every one
        (``allow_private_addresses: true``), ``()`` for none (the default), else CIDR strings."""
        allowed = self.allow_private_addresses
        if isinstance(allowed, bool):
            return None if allowed else ()
        return allowed

    @property
    def extraction_hints(self) -> ExtractionHints:
        return ExtractionHints(
            timezone=self.timezone,
            language=self.languages[0],
            remove_selectors=self.remove_selectors,
            body_selector=self.body_selector,
            aggregator=self.aggregator,
            article_patterns=self.article_patterns,
            ignore_patterns=self.ignore_patterns,
        )

    def is_article_url(self, url: str) -> bool:
        """True when ``url`` looks like one of this outlet's articles and is not ignored."""
        if any(re.search(p, url) for p in self.ignore_patterns):
            return False
        return any(re.search(p, url) for p in self.article_patterns)
