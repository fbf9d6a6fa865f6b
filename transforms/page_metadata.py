"""The record's metadata: read from the untouched page, and the publication date settled.

``read_metadata`` reads every field before furniture removal (which deletes bylines and the
lines dates sit in) and lets the outlet's hooks (``transforms/outlets/<outlet>.py``) have the
last word; ``settle_published`` weighs an article's declared date against the dates its header
shows (``dates.py``) and runs htmldate once where neither gives one. Pure, like every
transform; ``extract.extract_article`` calls both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from transforms import dates as dates_
from transforms import metadata as meta_
from transforms.listing_urls import listing_template
from transforms.outlets import apply_hooks
from transforms.record import ExtractionHints
from transforms.verdict import article_evidence


def _listed(value: Any) -> list[Any]:
    """A JSON-LD value that may be one item or a list of them, as a list."""
    return value if isinstance(value, list) else [value]


def read_metadata(root: HtmlElement, url: str, hints: ExtractionHints,
                  outlet: str) -> dict[str, Any]:
    """Every metadata field read from the untouched tree (furniture removal loses some), the
    outlet's hooks (``transforms/outlets/<outlet>.py``) having the last word."""
    meta = meta_.metas(root)
    ld_objects = meta_.json_ld(root)
    ld = meta_.ld_article(ld_objects)
    page_types = {str(k).lower() for node in ld_objects
                  for k in _listed(node.get("@type")) if k}
    published, modified = meta_.dates(root, meta, ld, hints.timezone)
    sites = meta_.site_names(meta, ld_objects, url)
    title = meta_.title(root, meta, ld, sites)
    language = meta_.html_language(root, meta)
    # The dates shown around the headline, read before furniture removal deletes the byline
    # line they sit in; weighed against the declared date on articles only (``settle_published``).
    locale = root.get("lang") or meta.get("og:locale")
    month_first = dates_.month_first(locale)
    shown = dates_.shown_dates(root, title, month_first)
    evidence = dates_.Evidence(shown, meta_.open_graph_published(meta))
    if published is None and not shown:
        # The fallbacks, read only where neither the markup nor the header gives a date
        # (labelled_date: 0.7 ms on such a page).
        evidence = replace(evidence, labelled=dates_.labelled_date(root, month_first),
                           page_declared=meta_.page_published(ld_objects, hints.timezone))
    fields: dict[str, Any] = {
        "canonical_url": meta_.canonical_url(root, meta, url),
        "title": title,
        "subtitle": meta_.subtitle(root),
        "authors": meta_.authors(root, meta, ld, sites),
        "published_at": published,
        "modified_at": modified,
        "language": language,
        "categories": meta_.categories(root, meta, ld),
        "tags": meta_.tags(root, ld),
        "description": meta_.description(meta),
        "image": meta_.image(meta, ld, url),
        "_evidence": article_evidence(url, meta, page_types, hints.article_patterns,
                                      hints.ignore_patterns, listing_template(url)),
        "_page_types": page_types,
        "_paywalled": str(ld.get("isAccessibleForFree", "")).lower() == "false",
        # Read before furniture removal deletes the byline it sits in; used on articles only.
        "_dates": evidence,
    }
    apply_hooks(outlet, root, fields)
    note = meta_.republished(root, url, hints.timezone, aggregator=hints.aggregator)
    if note:
        fields.update(note)
        if fields["published_at"] is None:
            fields["published_at"] = note.get("original_published_at")
    return fields


def settle_published(declared: datetime | None, evidence: dates_.Evidence, source: str,
                     url: str, tz: str) -> datetime | None:
    """An article's publication date: the declared one weighed against the dates its header
    shows (``dates.choose``); where neither gives one, the fallbacks of ``dates.Evidence``:
    a day labelled "Published" further down, a JSON-LD WebPage's datePublished (a later
    "Updated" day further down beats it, as a header's does a JSON-LD-only date), htmldate's
    reading of the untouched page (``source``, which it parses itself: furniture removal has
    deleted the byline lines from our tree), and last a day labelled "Updated" further down
    (on a forum thread htmldate reads the first post's date, the label "last modified" the
    edit's). A day without a time is midnight in the outlet's time zone.

    htmldate runs here, once, on article-like pages with no date at all: not on listings (its
    date would be the newest teaser's) and not again in trafilatura's metadata pass.
    """
    return settle_published_rule(declared, evidence, source, url, tz)[0]


def settle_published_rule(declared: datetime | None, evidence: dates_.Evidence, source: str,
                          url: str, tz: str) -> tuple[datetime | None, str]:
    """``settle_published``'s date and the name of the rule that chose it: one of
    ``dates.choose``'s, else "labelled" (a "Published" day further down), "webpage" (a JSON-LD
    WebPage's date), "labelled-updated" (an "Updated" day further down: later than the WebPage
    date, or with nothing else), "htmldate" or "none" (``scripts/dates_report.py`` prints it)."""
    chosen, rule = dates_.choose(declared, evidence.shown, dates_.url_day(url),
                                 evidence.open_graph)
    if isinstance(chosen, datetime):
        return chosen, rule
    labelled = evidence.labelled
    if chosen is None and labelled is not None and labelled.label == "published":
        chosen, rule = labelled.days[0], "labelled"
    page = evidence.page_declared
    if chosen is None and page is not None:
        if labelled is None or labelled.days[0] <= page.date():
            return page, "webpage"
        chosen, rule = labelled.days[0], "labelled-updated"
    if chosen is not None:
        return datetime.combine(chosen, time(0), tzinfo=ZoneInfo(tz)), rule
    found = meta_.parse_datetime(meta_.visible_date(source, url), tz)
    if found is not None:
        return found, "htmldate"
    if labelled is not None:
        return datetime.combine(labelled.days[0], time(0), tzinfo=ZoneInfo(tz)), "labelled-updated"
    return None, "none"
