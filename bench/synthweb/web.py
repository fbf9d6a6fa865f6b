"""The synthetic web: outlets, their articles by index, and every page they serve, rendered on
demand from the snapshot's Jinja templates.

Nothing is stored: an article is a pure function of (seed, outlet, index), its date of the
outlet's place in a fixed publication schedule ending at ``anchor``, and a page of (URL, night).
So 20,000 pages cost no startup time and little memory, and the same configuration always
serves the same bytes. Non-article pages (feeds, sitemaps, listings) are cached per night
because crawlers ask for the same few of them repeatedly.

Three themes, as in the snapshot: ``lebrief`` (WordPress, robots.txt → sitemap index with a
news sitemap, RSS feed, ``/rubrique-…/page/N/`` listings), ``lepetitjournalmarocain`` (WordPress
tagDiv, sitemap index and news sitemap declared directly, feed, ``/category/…/page/N/``) and
``maghress_fr`` (an aggregator without feeds or sitemaps: paginated per-source listings of
verbatim copies of the other outlets' articles, each naming its original).

Nights: night 1 has ``articles`` pages; each later night adds ``new_per_night`` articles per
outlet, dated just before :meth:`SynthWeb.set_night` was called, so an incremental crawl sees
what a real second night sees (a changed feed, one changed child sitemap, a new first listing
page, everything else unchanged and answering 304).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property, lru_cache
from pathlib import Path
from random import Random
from typing import Any

import jinja2
import yaml

from bench.synthweb.text import Text, corpus
from snapshot import SNAPSHOT_DIR

__all__ = ["THEMES", "Page", "SynthOutlet", "SynthWeb", "WebConfig"]

THEMES = ("lebrief", "lepetitjournalmarocain", "lebrief", "lepetitjournalmarocain", "maghress_fr")
DOMAIN = "khabar.test"  # reserved TLD (RFC 2606): never resolves, never leaves the machine
_TEMPLATES = Path(__file__).with_name("templates")
_LEBRIEF_ID = 200_000  # lebrief-style URLs end in a 6-digit post id
_AGGREGATOR_ID = 100_000
_NEAR_DUPLICATES = 0.04  # share of an original outlet's articles retelling another's story
_HTML = "text/html; charset=UTF-8"
_XML = "application/xml; charset=UTF-8"
_RSS = "application/rss+xml; charset=UTF-8"
_TEXT = "text/plain; charset=UTF-8"


@dataclass(frozen=True)
class WebConfig:
    """Size and shape of the synthetic web; equal configs serve byte-identical pages."""

    outlets: int = 10
    articles: int = 20_000  # article pages of night 1, over all outlets
    days: int = 14  # night-1 publication dates spread over this many days before ``anchor``
    seed: int = 7
    anchor: datetime = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # newest night-1 article
    new_per_night: int = 5  # articles each outlet adds per later night
    per_page: int = 10  # teasers per listing page
    sitemap_size: int = 1000  # URLs per child sitemap (Yoast's default)
    feed_items: int = 10
    themes: tuple[str, ...] = THEMES  # cycled over the outlets

    def __post_init__(self) -> None:
        if self.outlets < 1 or self.articles < self.outlets:
            raise ValueError("need at least one outlet and one article per outlet")
        if self.anchor.tzinfo is None:
            raise ValueError("anchor must be timezone-aware")
        themes = [self.themes[i % len(self.themes)] for i in range(self.outlets)]
        if all(t == "maghress_fr" for t in themes):
            raise ValueError("an aggregator needs at least one original outlet")


@dataclass(frozen=True)
class SynthOutlet:
    """One synthetic outlet: its own host under ``.test`` and a theme of the snapshot."""

    index: int  # 1-based
    theme: str
    count: int  # night-1 articles

    @property
    def id(self) -> str:
        return f"outlet{self.index:02d}"

    @property
    def host(self) -> str:
        return f"{self.id}.{DOMAIN}"

    @property
    def aggregator(self) -> bool:
        return self.theme == "maghress_fr"

    @property
    def home(self) -> str:
        return f"https://{self.host}/fr" if self.aggregator else f"https://{self.host}/"

    @property
    def name(self) -> str:
        kind = {"lebrief": "Brief", "lepetitjournalmarocain": "Journal",
                "maghress_fr": "Revue"}[self.theme]
        return f"Synth {kind} {self.index:02d}"


@dataclass(frozen=True, slots=True)
class Page:
    """One HTTP response of the synthetic web (``validators``: send ETag and Last-Modified)."""

    status: int
    content_type: str
    body: bytes
    kind: str
    location: str | None = None
    last_modified: datetime | None = None

    @property
    def etag(self) -> str | None:
        if self.last_modified is None:
            return None
        return '"' + hashlib.blake2b(self.body, digest_size=8).hexdigest() + '"'

    def headers(self) -> list[tuple[str, str]]:
        headers = [("Content-Type", self.content_type)]
        if self.location:
            headers.append(("Location", self.location))
        if self.last_modified is not None:
            headers += [("ETag", self.etag or ""),
                        ("Last-Modified", format_datetime(self.last_modified, usegmt=True))]
        return headers


NOT_FOUND = Page(404, _TEXT, b"not found\n", "not_found")


class ArticleView:
    """An article as the templates see it (attribute names of snapshot/content/*.yaml)."""

    def __init__(self, web: SynthWeb, outlet: SynthOutlet, j: int) -> None:
        self.web, self.outlet, self.j = web, outlet, j

    @cached_property
    def text(self) -> Text:
        return self.web.text(self.outlet, self.j)

    @property
    def title(self) -> str:
        return self.text.title

    @property
    def subtitle(self) -> str:
        return self.text.subtitle

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return self.text.paragraphs

    @property
    def excerpt(self) -> str:
        return self.paragraphs[0][:140].rstrip() + "…"

    @cached_property
    def id(self) -> int:
        return (_AGGREGATOR_ID if self.outlet.aggregator else _LEBRIEF_ID) + self.j

    @cached_property
    def published(self) -> datetime:
        return self.web.published(self.outlet, self.j)

    @cached_property
    def date(self) -> str:
        return self.published.isoformat()

    @cached_property
    def modified(self) -> str:
        return self.web.modified(self.outlet, self.j).isoformat()

    @cached_property
    def slug(self) -> str:
        return slugify(self.title)[:60].strip("-") or "article"

    @property
    def author(self) -> str:
        authors = corpus().authors
        return authors[_hash(self.outlet.id, self.j, "author") % len(authors)]

    @cached_property
    def categories(self) -> list[str]:
        if self.outlet.aggregator:
            return self.original.categories
        return [self.web.category(self.outlet, self.j)]

    @property
    def tags(self) -> list[str]:
        return [self.title.split(" : ")[0][:30]]

    @cached_property
    def category_urls(self) -> dict[str, str]:
        if self.outlet.aggregator:
            return self.original.category_urls
        return {name: self.outlet.home + path + "/"
                for name, path in self.web.site_file(self.outlet.theme)["categories"].items()}

    @cached_property
    def url(self) -> str:
        home = self.outlet.home
        if self.outlet.theme == "lebrief":
            return f"{home}{self.slug}-{self.id}/"
        if self.outlet.theme == "lepetitjournalmarocain":
            return f"{home}{self.date[:10].replace('-', '/')}/{self.slug}-{self.j}/"
        return f"{home}/{self.source.id}/{self.id}"

    @property
    def href(self) -> str:
        return self.url

    # Aggregator copies: which original, from which outlet.
    @cached_property
    def original(self) -> ArticleView:
        return self.web.original_of(self.outlet, self.j)

    @property
    def source(self) -> SynthOutlet:
        return self.original.outlet

    @property
    def source_name(self) -> str:
        return self.source.name

    @property
    def original_url(self) -> str:
        return self.original.url

    def card(self) -> dict[str, Any]:
        """What a listing teaser needs (aggregator teasers use ``source`` as an id)."""
        card = {"href": self.url, "url": self.url, "title": self.title, "date": self.date,
                "slug": self.slug, "author": self.author, "categories": self.categories,
                "category_urls": self.category_urls, "excerpt": self.excerpt,
                "paragraphs": self.paragraphs, "id": self.id}
        if self.outlet.aggregator:
            card.update(source=self.source.id, source_name=self.source_name)
        return card


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: what WordPress makes of a French headline."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _hash(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, parts)).encode())


@dataclass
class SynthWeb:
    """Every outlet and page of one configuration; :meth:`page` answers a request."""

    config: WebConfig = field(default_factory=WebConfig)

    def __post_init__(self) -> None:
        cfg = self.config
        base, extra = divmod(cfg.articles, cfg.outlets)
        self.outlets = [SynthOutlet(i + 1, cfg.themes[i % len(cfg.themes)],
                                    base + (1 if i < extra else 0)) for i in range(cfg.outlets)]
        self.by_host = {o.host: o for o in self.outlets}
        self.originals = [o for o in self.outlets if not o.aggregator]
        self.night = 1
        self.night_started: dict[int, datetime] = {}
        env = _snapshot_environment()
        self._templates = {name: env.get_template(name) for name in env.list_templates()
                           if name.endswith(".j2")}
        self.text = lru_cache(maxsize=4096)(self._text)
        self._cached_page = lru_cache(maxsize=512)(self._page)
        self._sources = lru_cache(maxsize=64)(self._aggregator_sources)
        self._site = lru_cache(maxsize=256)(self._site_tonight)

    # -- schedule ------------------------------------------------------------------------

    def set_night(self, night: int, at: datetime | None = None) -> None:
        """Switch to ``night`` (>= the current one): each later night's new articles are
        dated in the seconds before ``at`` (default now), i.e. after the last crawl."""
        if night < self.night:
            raise ValueError(f"nights only move forward (now {self.night})")
        at = (at or datetime.now(UTC)).replace(microsecond=0)
        for n in range(self.night + 1, night + 1):
            self.night_started[n] = max(at, self.config.anchor + timedelta(minutes=10 * n))
        self.night = night

    def count(self, outlet: SynthOutlet) -> int:
        """Articles the outlet has published by the current night."""
        return outlet.count + (self.night - 1) * self.config.new_per_night

    def _step(self, outlet: SynthOutlet) -> int:
        return max(1, self.config.days * 86_400 // outlet.count)

    def published(self, outlet: SynthOutlet, j: int) -> datetime:
        """Article ``j`` (0 = oldest) of a fixed schedule: night-1 articles evenly spread over
        ``days`` before ``anchor``; a later night's in the seconds before it started."""
        new = self.config.new_per_night
        if j < outlet.count:
            before = (outlet.count - 1 - j) * self._step(outlet) + 37 * outlet.index
            return self.config.anchor - timedelta(seconds=before)
        night, rank = 2 + (j - outlet.count) // new, (j - outlet.count) % new
        return self.night_started[night] - timedelta(seconds=new - rank)

    def modified(self, outlet: SynthOutlet, j: int) -> datetime:
        """One article in five was edited within three hours (never after ``anchor``)."""
        published = self.published(outlet, j)
        if j >= outlet.count or _hash(outlet.id, j, "edit") % 5:
            return published
        edited = published + timedelta(minutes=30 * (1 + _hash(outlet.id, j, "late") % 6))
        return min(edited, self.config.anchor)

    def category(self, outlet: SynthOutlet, j: int) -> str:
        names = list(self.site_file(outlet.theme)["categories"])
        return names[_hash(outlet.id, j, "category") % len(names)]

    # -- content -------------------------------------------------------------------------

    def _text(self, outlet: SynthOutlet, j: int) -> Text:
        """An original article's text, a near-duplicate of another outlet's, or (aggregator)
        a verbatim copy of its original, sometimes without the last paragraph."""
        seed = f"{self.config.seed}:{outlet.id}:{j}"
        if outlet.aggregator:
            original = self.original_of(outlet, j).text
            if _hash(seed, "trim") % 4 == 0:
                return Text(original.title, original.subtitle, original.paragraphs[:-1])
            return original
        rng = Random(seed + ":dup")
        others = [o for o in self.originals if o is not outlet]
        if others and rng.random() < _NEAR_DUPLICATES:
            source = rng.choice(others)
            i = min(max(0, j - rng.randint(0, 5)), source.count - 1)
            own = corpus().text(Random(f"{self.config.seed}:{source.id}:{i}"))
            return corpus().near_duplicate(rng, own)
        return corpus().text(Random(seed))

    def article(self, outlet: SynthOutlet, j: int) -> ArticleView:
        return ArticleView(self, outlet, j)

    def original_of(self, outlet: SynthOutlet, j: int) -> ArticleView:
        """The article an aggregator's copy ``j`` reproduces (published a little earlier)."""
        source = self.originals[_hash(self.config.seed, outlet.id, j, "src") % len(self.originals)]
        i = min(max(0, j - 1 - _hash(outlet.id, j, "lag") % 3), self.count(source) - 1)
        return ArticleView(self, source, i)

    def newest(self, outlet: SynthOutlet, keep: Callable[[int], bool] | None = None,
               limit: int | None = None) -> list[int]:
        """Article indexes of the current night, newest first (optionally filtered)."""
        indexes = range(self.count(outlet) - 1, -1, -1)
        if keep is None:
            return list(indexes[:limit])
        return [j for j in indexes if keep(j)][:limit]

    @staticmethod
    def site_file(theme: str) -> dict[str, Any]:
        return _site_file(theme)

    def site(self, outlet: SynthOutlet) -> dict[str, Any]:
        """The snapshot's ``_site.yaml`` of the theme, re-pointed at this outlet."""
        return self._site(self.night, outlet)

    def _site_tonight(self, night: int, outlet: SynthOutlet) -> dict[str, Any]:
        site = dict(self.site_file(outlet.theme))
        newest = [self.article(outlet, j) for j in self.newest(outlet, limit=5)]
        site.update(name=outlet.name, home=outlet.home, aliases=[], tag_pages=[],
                    category_list=site.get("categories", {}), most_read_items=newest,
                    trending_items=newest, per_page=self.config.per_page)
        if outlet.aggregator:
            site.update(sources=[o.id for o in self.originals],
                        source_names={o.id: o.name for o in self.originals})
        return site

    # -- pages ---------------------------------------------------------------------------

    def page(self, host: str, path: str) -> Page:
        """The response to ``GET https://host/path`` (path with its query) tonight."""
        outlet = self.by_host.get(host.lower())
        if outlet is None:
            return NOT_FOUND
        article = self._article_at(outlet, path)
        if article is not None:
            return self._render_article(article)
        return self._cached_page(self.night, outlet, path)

    def _article_at(self, outlet: SynthOutlet, path: str) -> ArticleView | None:
        if outlet.theme == "lebrief":
            match = re.fullmatch(r"/[a-z0-9-]+-(\d{6})/", path)
            j = int(match.group(1)) - _LEBRIEF_ID if match else -1
        elif outlet.theme == "lepetitjournalmarocain":
            match = re.fullmatch(r"/\d{4}/\d\d/\d\d/[a-z0-9-]+-(\d+)/", path)
            j = int(match.group(1)) if match else -1
        else:
            match = re.fullmatch(r"/fr/[a-z0-9]+/(\d+)", path)
            j = int(match.group(1)) - _AGGREGATOR_ID if match else -1
        if not 0 <= j < self.count(outlet):
            return None
        article = self.article(outlet, j)
        return article if article.url == f"https://{outlet.host}{path}" else None

    def _render(self, outlet: SynthOutlet, template: str, **context: Any) -> bytes:
        html = self._templates[template].render(site=self.site(outlet), **context)
        # The themes' chrome names the snapshot's outlets; point it at this one.
        real = self.site_file(outlet.theme)
        html = html.replace(real["home"].rstrip("/"), outlet.home.rstrip("/"))
        return html.replace(real["name"], outlet.name).encode()

    def _render_article(self, a: ArticleView) -> Page:
        outlet = a.outlet
        if outlet.aggregator:
            copies = self.aggregator_sources(outlet)[a.source.id]
            more = [self.article(outlet, j) for j in copies if j < a.j][:4]
            body = self._render(outlet, "maghress_fr/article.html.j2", a=a, more=more)
        else:
            related = [self.article(outlet, j) for j in range(a.j - 1, max(-1, a.j - 5), -1)]
            body = self._render(outlet, f"{outlet.theme}/article.html.j2", a=a,
                                related=related[: 4 if outlet.theme == "lebrief" else 3],
                                canonical=a.url)
        return Page(200, _HTML, body, "article")

    def _page(self, night: int, outlet: SynthOutlet, path: str) -> Page:
        """Every non-article page (cached per night: crawlers re-read the same few)."""
        if outlet.aggregator:
            return self._aggregator_page(outlet, path)
        return self._wordpress_page(outlet, path)

    # WordPress themes --------------------------------------------------------------------

    def _wordpress_page(self, outlet: SynthOutlet, path: str) -> Page:
        home = outlet.home
        site = self.site(outlet)
        if path == "/robots.txt":
            return Page(200, _TEXT, self._render(outlet, "wordpress/robots.txt.j2"), "robots")
        if path == "/feed/":
            items = [self.article(outlet, j)
                     for j in self.newest(outlet, limit=self.config.feed_items)]
            body = self._render(outlet, "wordpress/feed.xml.j2", articles=items,
                                env_theme=outlet.theme, lastmod=items[0].modified)
            return Page(200, _RSS, body, "feed", last_modified=_latest(items))
        maps = self._sitemaps(outlet)
        if path == "/sitemap_index.xml":
            entries = [(name, max(dates).isoformat()) for name, (_, dates) in maps.items()]
            body = self._render(outlet, "sitemap_index.xml.j2", maps=entries)
            return Page(200, _XML, body, "sitemap",
                        last_modified=max(max(d) for _, d in maps.values()))
        if path.lstrip("/") in maps or path == "/news-sitemap.xml":
            return self._sitemap(outlet, path.lstrip("/"))
        if path == "/":
            cards = [self.article(outlet, j).card() for j in self.newest(outlet, limit=6)]
            return self._listing(outlet, home, "", cards, 1, 1)
        for name, category in site["categories"].items():
            base = f"/{category}/"
            if path == base + "page/1/":
                return Page(301, _HTML, b"", "redirect", location=home + category + "/")
            match = re.fullmatch(re.escape(base) + r"(?:page/(\d+)/)?", path)
            if match:
                members = self.newest(outlet, lambda j, name=name: self.category(outlet, j)
                                      == name)
                number = int(match.group(1) or 1)
                last = max(1, math.ceil(len(members) / self.config.per_page))
                if number > last:
                    return NOT_FOUND
                chunk = members[(number - 1) * self.config.per_page:][: self.config.per_page]
                cards = [self.article(outlet, j).card() for j in chunk]
                return self._listing(outlet, home + category + "/", name, cards, number, last)
        return NOT_FOUND

    def _listing(self, outlet: SynthOutlet, base: str, title: str, cards: list[dict],
                 number: int, last: int) -> Page:
        url = base if number == 1 else f"{base}page/{number}/"
        body = self._render(outlet, f"{outlet.theme}/listing.html.j2", url=url, title=title,
                            cards=cards, number=number, base=base, last=last, canonical=url)
        return Page(200, _HTML, body, "listing")

    def _sitemaps(self, outlet: SynthOutlet) -> dict[str, tuple[list[tuple[str, str]],
                                                                list[datetime]]]:
        """Child sitemaps of the index: ``{name: ([(loc, lastmod)], [dates])}``; posts oldest
        first in chunks of ``sitemap_size`` (Yoast), categories, and (lebrief) the news map."""
        size = self.config.sitemap_size
        count = self.count(outlet)
        maps: dict[str, tuple[list[tuple[str, str]], list[datetime]]] = {}
        for start in range(0, count, size):
            number = start // size + 1
            name = "post-sitemap.xml" if number == 1 else f"post-sitemap{number}.xml"
            stamps = [self.modified(outlet, j) for j in range(start, min(count, start + size))]
            maps[name] = ([], stamps)  # locs are rendered only when the child is requested
        newest = max(self.modified(outlet, count - 1), self.config.anchor - timedelta(days=1))
        categories = self.site_file(outlet.theme)["categories"].values()
        maps["category-sitemap.xml"] = ([(outlet.home + c + "/", newest.isoformat())
                                         for c in categories], [newest])
        if outlet.theme == "lebrief":
            maps["news-sitemap.xml"] = ([], [self.published(outlet, count - 1)])
        return maps

    def _sitemap(self, outlet: SynthOutlet, name: str) -> Page:
        count = self.count(outlet)
        if name == "news-sitemap.xml":
            # Google News sitemaps list the last two days only.
            since = self.published(outlet, count - 1) - timedelta(days=2)
            items = [self.article(outlet, j) for j in self.newest(outlet)
                     if self.published(outlet, j) >= since]
            body = self._render(outlet, "wordpress/news_sitemap.xml.j2", articles=items)
            return Page(200, _XML, body, "sitemap", last_modified=items[0].published)
        if name == "category-sitemap.xml":
            entries, dates = self._sitemaps(outlet)[name]
        else:
            number = int(name.removeprefix("post-sitemap").removesuffix(".xml") or 1)
            start = (number - 1) * self.config.sitemap_size
            indexes = range(start, min(count, start + self.config.sitemap_size))
            dates = [self.modified(outlet, j) for j in indexes]
            entries = [(self.article(outlet, j).url, d.isoformat())
                       for j, d in zip(indexes, dates, strict=True)]
        body = self._render(outlet, "wordpress/urlset.xml.j2", entries=entries)
        return Page(200, _XML, body, "sitemap", last_modified=max(dates))

    # Aggregator --------------------------------------------------------------------------

    def _aggregator_page(self, outlet: SynthOutlet, path: str) -> Page:
        if path == "/robots.txt":
            return Page(200, _TEXT, self._render(outlet, "maghress_fr/robots.txt.j2"), "robots")
        per_page = self.config.per_page
        by_source = self.aggregator_sources(outlet)
        if path in ("/fr", "/fr/"):
            groups = {s: [self.article(outlet, j).card() for j in items[:per_page]]
                      for s, items in by_source.items()}
            body = self._render(outlet, "maghress_fr/listing.html.j2", groups=groups,
                                source=None)
            return Page(200, _HTML, body, "listing")
        match = re.fullmatch(r"/fr/([a-z0-9]+)(?:\?page=(\d+))?", path)
        if not match or match.group(1) not in by_source:
            return NOT_FOUND
        source, number = match.group(1), int(match.group(2) or 1)
        items = by_source[source]
        last = max(1, math.ceil(len(items) / per_page))
        if number > last:
            return NOT_FOUND
        chunk = items[(number - 1) * per_page:][:per_page]
        body = self._render(outlet, "maghress_fr/listing.html.j2", source=source, number=number,
                            last=last, groups={source: [self.article(outlet, j).card()
                                                        for j in chunk]})
        return Page(200, _HTML, body, "listing")

    def aggregator_sources(self, outlet: SynthOutlet) -> dict[str, list[int]]:
        """Per original outlet id, the aggregator's copies of it, newest first."""
        return self._sources(self.night, outlet)

    def _aggregator_sources(self, night: int, outlet: SynthOutlet) -> dict[str, list[int]]:
        by_source: dict[str, list[int]] = {o.id: [] for o in self.originals}
        for j in self.newest(outlet):
            by_source[self.original_of(outlet, j).outlet.id].append(j)
        return by_source

    # -- what a crawl should find --------------------------------------------------------

    def article_urls(self, outlet: SynthOutlet) -> list[str]:
        """Every article URL of the outlet tonight, oldest first."""
        return [self.article(outlet, j).url for j in range(self.count(outlet))]


@lru_cache(maxsize=8)
def _site_file(theme: str) -> dict[str, Any]:
    """A theme's ``_site.yaml`` from the snapshot (chrome, categories, discovery layout)."""
    path = SNAPSHOT_DIR / "content" / theme / "_site.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _latest(items: list[ArticleView]) -> datetime:
    return max(datetime.fromisoformat(a.modified) for a in items)


def _snapshot_environment() -> jinja2.Environment:
    """The snapshot's own Jinja environment (filters, autoescape), plus our sitemap index
    template (the snapshot's gives every child one shared lastmod)."""
    from snapshot.build import _environment  # the exact environment the snapshot is built with

    env = _environment()
    env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(_TEMPLATES), env.loader])
    return env
