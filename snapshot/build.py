"""Render the sample outlets and write them as a deterministic WARC plus their golden data.

`python -m snapshot.build` reads content/<outlet>/*.yaml (articles; `_site.yaml` = chrome and
discovery layout) and templates/, and writes outlets.warc.gz and expected.json. The output is a
pure function of those files: fixed dates, record ids hashed from URLs, gzip without mtime, URLs
sorted, so a rebuild is byte-identical. `--check` exits 1 when the committed files are stale.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime
from email.utils import format_datetime

import jinja2
import yaml

from snapshot import EXPECTED_JSON, SNAPSHOT_DIR, SNAPSHOT_WARC, normalise_space, parse_html
from snapshot.warcfile import Page, warc_bytes

CRAWLED = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
OUTLETS = ("lebrief", "lepetitjournalmarocain", "maghress_fr")
_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
_XML = "application/xml; charset=UTF-8"
_RSS = "application/rss+xml; charset=UTF-8"


def _frdate(iso: str) -> str:
    day = datetime.fromisoformat(iso)
    return f"{day.day} {_MONTHS.split()[day.month - 1]} {day.year}"


def _excerpt(text: str, size: int = 140) -> str:
    return text[:size].rstrip() + "…"


def _slug(name: str) -> str:
    ascii_name = name.lower().translate(str.maketrans("éèêàâîôûçë’' ", "eeeaaioucee--"))
    return "".join(c for c in ascii_name if c.isalnum() or c == "-")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SNAPSHOT_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html.j2", "xml.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        frdate=_frdate,
        excerpt=_excerpt,
        slug=_slug,
        rfc822=lambda iso: format_datetime(datetime.fromisoformat(iso)),
        words=lambda paragraphs: sum(len(p.split()) for p in paragraphs),
    )
    return env


def _load(outlet: str) -> tuple[dict, list[dict]]:
    """Read one outlet's site file and articles; articles come back newest first."""
    folder = SNAPSHOT_DIR / "content" / outlet
    site = yaml.safe_load((folder / "_site.yaml").read_text(encoding="utf-8"))
    articles = []
    for path in sorted(folder.glob("[!_]*.yaml")):
        article = yaml.safe_load(path.read_text(encoding="utf-8"))
        article.update(outlet=outlet, key=f"{outlet}/{path.stem}", file=path.stem)
        articles.append(article)
    return site, sorted(articles, key=lambda a: (a["date"], a["key"]), reverse=True)


def _wordpress_url(site: dict, article: dict) -> str:
    if site["theme"] == "lebrief":
        return f"{site['home']}{article['slug']}-{article['id']}/"
    return f"{site['home']}{article['date'][:10].replace('-', '/')}/{article['slug']}/"


def _listing_pages(env, site, url, title, items, extra=None, kind="listing") -> list[Page]:
    """A paginated listing (page 1 at `url`, page N at url/page/N/, page/1/ redirecting)."""
    chunks = [items[i : i + site["per_page"]] for i in range(0, len(items), site["per_page"])]
    pages = [Page(url + "page/1/", b"", status=301, location=url, kind="redirect")]
    for number, chunk in enumerate(chunks or [[]], start=1):
        page_url = url if number == 1 else f"{url}page/{number}/"
        cards = chunk + (extra or []) * (number == len(chunks))
        body = env.get_template(f"{site['theme']}/listing.html.j2").render(
            site=site, url=page_url, title=title, cards=cards, number=number,
            base=url, last=len(chunks), canonical=page_url,
        )
        pages.append(Page(page_url, body.encode(), kind=kind))
    return pages


def _wordpress(env: jinja2.Environment, site: dict, articles: list[dict]) -> list[Page]:
    """Every page of a WordPress outlet: articles, listings, feed, sitemaps, robots, oddities."""
    theme, home = site["theme"], site["home"]
    for article in articles:
        article["url"] = _wordpress_url(site, article)
        article["category_urls"] = {c: home + site["categories"][c] + "/"
                                    for c in article["categories"]}
    by_file = {a["file"]: a for a in articles}
    recent = [a for a in articles if a["date"] >= "2026"]
    site["most_read_items"] = [by_file[f] for f in site.get("most_read", [])]
    site["trending_items"] = recent[: site.get("trending", 0)]
    site["category_list"] = site["categories"]
    pages: list[Page] = []
    render = lambda name, **kw: env.get_template(f"{theme}/{name}").render(site=site, **kw)  # noqa: E731
    for article in articles:
        related = article.get("related") or [
            dict(a, excerpt=_excerpt(a["paragraphs"][0]))
            for a in articles if a is not article and a["categories"][0] == article["categories"][0]
        ][: site["related"]]
        body = render("article.html.j2", a=article, related=related, canonical=article["url"])
        pages.append(Page(article["url"], body.encode(), kind="article"))
        if article.get("amp"):
            amp = render("amp.html.j2", a=article, canonical=article["url"])
            pages.append(Page(article["url"] + "amp/", amp.encode(), kind="amp"))
    # Listing links as the site prints them: one with newsletter tracking, one to its comments.
    tracked = site.get("tracking", {})
    suffix = {tracked.get("file"): tracked.get("query"), site.get("comments_fragment"): "#comments"}
    cards = [dict(a, href=a["url"] + (suffix.get(a["file"]) or "")) for a in articles]
    if tracked:
        stored = next(p for p in pages if p.url == by_file[tracked["file"]]["url"])
        pages.append(Page(stored.url + tracked["query"], stored.body, kind="tracking"))
    soft = site.get("soft_404")
    for name, path in site["categories"].items():
        members = [c for c in cards if name in c["categories"]]
        extra = [dict(soft, href=soft["url"], categories=[name], date="2019-03-02T10:00:00"
                      + site["tz"], author="Rédaction LeBrief", paragraphs=[soft["excerpt"]])
                 ] if soft and soft["listing"] == name else None
        if members:
            pages += _listing_pages(env, site, home + path + "/", name, members, extra)
    if soft:
        pages.append(Page(soft["url"], render("soft404.html.j2", canonical="").encode(),
                          kind="soft_404"))
    for tag in site.get("tag_pages", []):
        tagged = [c for c in cards if tag in c["tags"]]
        pages += _listing_pages(env, site, f"{home}tag/{_slug(tag)}/", tag, tagged, kind="tag")
    authors = sorted({a["author"] for a in articles})
    if not site.get("author_pages"):
        authors = [a for a in authors if a.startswith("Rédaction")]
    for author in authors:
        written = [c for c in cards if c["author"] == author]
        pages += _listing_pages(env, site, f"{home}author/{_slug(author)}/", author, written,
                                kind="author")
    home_body = render("listing.html.j2", url=home, title="", cards=articles[: site["home_items"]],
                       number=1, base=home, last=1, canonical=home)
    pages.append(Page(home, home_body.encode(), kind="listing"))
    pages += [Page(alias, b"", status=301, location=home, kind="redirect")
              for alias in site.get("aliases", [])]
    pages += _wordpress_feeds(env, site, articles)
    return pages


def _wordpress_feeds(env: jinja2.Environment, site: dict, articles: list[dict]) -> list[Page]:
    """robots.txt, the RSS feed and the Yoast sitemaps; feeds carry only the newest items."""
    home = site["home"]
    xml = lambda name, **kw: env.get_template(f"wordpress/{name}").render(site=site, **kw)  # noqa: E731
    newest = max(a["modified"] for a in articles)
    categories = [(home + path + "/", max(a["modified"] for a in members))
                  for name, path in site["categories"].items()
                  if (members := [a for a in articles if name in a["categories"]])]
    maps = {"post-sitemap.xml": xml("urlset.xml.j2", entries=[(a["url"], a["modified"])
                                                               for a in articles]),
            "category-sitemap.xml": xml("urlset.xml.j2", entries=categories)}
    if "news_sitemap_days" in site:
        fresh = [a for a in articles if a["date"] >= "2026-11-20"]
        maps["news-sitemap.xml"] = xml("news_sitemap.xml.j2", articles=fresh)
    index = xml("sitemap_index.xml.j2", maps=sorted(maps), lastmod=newest)
    feed_items = articles[: site["feed_items"]]
    pages = [Page(home + "robots.txt", xml("robots.txt.j2").encode(), "text/plain; charset=UTF-8"),
             Page(home + "feed/", xml("feed.xml.j2", articles=feed_items, env_theme=site["theme"],
                                      lastmod=feed_items[0]["modified"]).encode(),
                  _RSS, kind="feed", validators=True),
             Page(home + "sitemap_index.xml", index.encode(), _XML, kind="sitemap",
                  validators=True)]
    pages += [Page(home + name, body.encode(), _XML, kind="sitemap", validators=True)
              for name, body in maps.items()]
    return pages


def _maghress(env: jinja2.Environment, site: dict, articles: list[dict],
              originals: dict[str, dict]) -> list[Page]:
    """Aggregator pages: copies take their text from the original outlet's article file."""
    home = site["home"]
    for article in articles:
        article["url"] = f"{home}/{article['source']}/{article['id']}"
        if "original" in article:
            original = originals[article["original"]]
            paragraphs = original["paragraphs"][: -1 if article.get("trim_last") else None]
            article.setdefault("title", original["title"])
            article.update(paragraphs=paragraphs, original_url=original["url"],
                           original_outlet=original["outlet"],
                           original_published=original["date"][:10])
    render = lambda name, **kw: env.get_template(f"maghress_fr/{name}").render(site=site, **kw)  # noqa: E731
    pages = [Page("https://www.maghress.com/robots.txt", render("robots.txt.j2").encode(),
                  "text/plain; charset=UTF-8")]
    groups = {s: [a for a in articles if a["source"] == s] for s in site["sources"]}
    for article in articles:
        more = [a for a in groups[article["source"]] if a is not article][:4]
        html = render("article.html.j2", a=article, more=more)
        pages.append(Page(article["url"], html.encode(), kind="article"))
    home_groups = {s: items[: site["per_page"]] for s, items in groups.items()}
    pages.append(Page(home, render("listing.html.j2", groups=home_groups, source=None).encode(),
                      kind="listing"))
    for source, items in groups.items():
        last = math.ceil(len(items) / site["per_page"])
        for number in range(1, last + 1):
            chunk = items[(number - 1) * site["per_page"] : number * site["per_page"]]
            body = render("listing.html.j2", groups={source: chunk}, source=source,
                          number=number, last=last).encode()
            pages.append(Page(f"{home}/{source}?page={number}", body, kind="listing"))
            if number == 1:
                pages.append(Page(f"{home}/{source}", body, kind="listing"))
    return pages


def _boilerplate(site: dict, page: Page, article: dict) -> list[str]:
    """Chrome strings visible on the page, picked by selector, never part of the article."""
    doc = parse_html(page.body)
    body_text = " ".join([article["title"], *article["paragraphs"]])
    found: list[str] = []
    for selector in site["boilerplate"]:
        texts = [normalise_space(e.text_content()) for e in doc.cssselect(selector)]
        fresh = [t for t in dict.fromkeys(texts) if len(t) > 3 and t not in body_text
                 and t not in found]
        found += fresh[:4]
    return found[:30]


def _expected(site: dict, page: Page, article: dict) -> dict:
    record = {
        "url": article["url"],
        "outlet": article["outlet"],
        "title": article["title"],
        "published": article["date"],
        "authors": [article["author"]] if article.get("author") else [],
        "paragraphs": [normalise_space(p) for p in article["paragraphs"]],
        "boilerplate": _boilerplate(site, page, article),
    }
    if "original_url" in article:
        record.update({k: article[k] for k in ("original_outlet", "original_url")})
        record["original_published"] = article.get("original_published", article["date"])
    return record


def build() -> tuple[bytes, bytes]:
    """Render every page; return (WARC bytes, expected.json bytes)."""
    env = _environment()
    pages: list[Page] = []
    expected: list[dict] = []
    loaded = {outlet: _load(outlet) for outlet in OUTLETS}
    originals: dict[str, dict] = {}
    for outlet in OUTLETS:
        site, articles = loaded[outlet]
        site_pages = (_maghress(env, site, articles, originals) if outlet == "maghress_fr"
                      else _wordpress(env, site, articles))
        originals.update({a["key"]: a for a in articles})
        by_url = {a["url"]: a for a in articles}
        expected += [_expected(site, p, by_url[p.url]) for p in site_pages if p.kind == "article"]
        pages += site_pages
    non_articles = [{"url": p.url, "kind": p.kind} for p in pages
                    if p.kind in {"soft_404", "tag", "author", "listing", "amp", "redirect",
                                  "tracking"}]
    document = {"articles": sorted(expected, key=lambda r: r["url"]),
                "non_articles": sorted(non_articles, key=lambda r: r["url"])}
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return warc_bytes(pages, CRAWLED), text.encode()


def main(argv: list[str] | None = None) -> int:
    """Build, or with --check compare the committed files to a fresh build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if committed files differ")
    args = parser.parse_args(argv)
    warc, expected = build()
    if args.check:
        stale = [p.name for p, data in ((SNAPSHOT_WARC, warc), (EXPECTED_JSON, expected))
                 if not p.exists() or p.read_bytes() != data]
        if stale:
            print(f"stale: {', '.join(stale)}; run python -m snapshot.build", file=sys.stderr)
            return 1
        return 0
    SNAPSHOT_WARC.write_bytes(warc)
    EXPECTED_JSON.write_bytes(expected)
    print(f"wrote {SNAPSHOT_WARC.name} ({len(warc)} bytes) and {EXPECTED_JSON.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
