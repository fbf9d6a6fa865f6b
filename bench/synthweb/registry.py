"""The outlet registry of a synthetic web, for ``KHABAR_REGISTRY``.

Each entry declares its sources the way the registry declares the snapshot outlet whose theme
it wears (``registry/outlets.yaml``): a ``lebrief`` outlet is found through robots.txt, its
feed and a category listing; a ``lepetitjournalmarocain`` outlet declares its sitemap index and
news sitemap directly; an aggregator has only listings (its front page and one paginated
listing per republished outlet, links taken from the teaser lists). Article patterns are
anchored on the outlet's own host; listing depths cover night 1's pages exactly.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from bench.synthweb.web import SynthOutlet, SynthWeb

__all__ = ["registry_entries", "write_registry"]

# Per theme: what the real registry says for the snapshot outlet of that theme.
_REMOVE = {
    "lebrief": [".rt-reading-time", ".newsletter-box"],
    "lepetitjournalmarocain": [".td_block_trending_now", ".td-post-sharing",
                               ".td_block_related_posts", ".td-category"],
    "maghress_fr": ["#belowheader", "marquee", ".report", "#footer"],
}
WORDPRESS_LISTING_PAGES = 5


def _entry(web: SynthWeb, outlet: SynthOutlet) -> dict[str, Any]:
    home, host = outlet.home, re.escape(outlet.host)
    entry: dict[str, Any] = {"id": outlet.id, "name": outlet.name, "home": home,
                             "hosts": [outlet.host], "languages": ["fr"]}
    categories = web.site_file(outlet.theme).get("categories", {})
    category = next(iter(categories.values()), None)
    if category is not None:  # as deep as the first category's listing goes, at most 5 pages
        members = sum(web.category(outlet, j) == next(iter(categories))
                      for j in range(web.count(outlet)))
        listing_pages = min(WORDPRESS_LISTING_PAGES, max(1, math.ceil(members
                                                                      / web.config.per_page)))
    if outlet.theme == "lebrief":
        entry["sources"] = [
            {"kind": "robots", "url": f"{home}robots.txt"},
            {"kind": "feed", "url": f"{home}feed/"},
            {"kind": "listing", "url": f"{home}{category}/page/{{page}}/",
             "max_pages": listing_pages},
        ]
        entry["article_patterns"] = [rf"^https://{host}/[a-z0-9-]+-\d{{6}}/$"]
        entry["ignore_patterns"] = ["/rubrique-", "/tag/", "/author/", r"/page/\d+"]
    elif outlet.theme == "lepetitjournalmarocain":
        entry["sources"] = [
            {"kind": "sitemap", "url": f"{home}sitemap_index.xml"},
            {"kind": "news_sitemap", "url": f"{home}news-sitemap.xml"},
            {"kind": "feed", "url": f"{home}feed/"},
            {"kind": "listing", "url": f"{home}{category}/page/{{page}}/",
             "max_pages": listing_pages},
        ]
        entry["article_patterns"] = [rf"^https://{host}/\d{{4}}/\d{{2}}/\d{{2}}/[a-z0-9-]+/$"]
        entry["ignore_patterns"] = ["/category/", "/tag/", "/author/", r"/page/\d+"]
    else:
        entry["aggregator"] = True
        per_page = web.config.per_page
        entry["sources"] = [{"kind": "listing", "url": home, "links_css": ".tablesgroup"}]
        for source, copies in web.aggregator_sources(outlet).items():
            pages = max(1, math.ceil(len(copies) / per_page))
            listing = {"kind": "listing", "url": f"{home}/{source}", "links_css": ".tablesgroup"}
            if pages > 1:
                listing.update(url=f"{home}/{source}?page={{page}}", max_pages=pages)
            entry["sources"].append(listing)
        entry["article_patterns"] = [rf"^https://{host}/fr/[a-z0-9]+/\d+$"]
        entry["ignore_patterns"] = ["/fr/author/"]
    entry["remove_selectors"] = _REMOVE[outlet.theme]
    return entry


def registry_entries(web: SynthWeb) -> list[dict[str, Any]]:
    """One registry entry per outlet of ``web`` (at its current night)."""
    return [_entry(web, outlet) for outlet in web.outlets]


def write_registry(web: SynthWeb, path: Path | str) -> Path:
    """Write ``{outlets: [...]}`` as YAML; ``registry.load_outlets(path)`` validates it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Synthetic web: {len(web.outlets)} outlets, {web.config.articles} articles "
              f"(seed {web.config.seed}); written by bench.synthweb.\n")
    text = yaml.safe_dump({"outlets": registry_entries(web)}, allow_unicode=True,
                          sort_keys=False, width=120)
    path.write_text(header + text, encoding="utf-8")
    return path
