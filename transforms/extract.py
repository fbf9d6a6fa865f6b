"""Page bytes → ``Article``: decode, gate, strip furniture, run trafilatura, scrub, add metadata.

The one place trafilatura is called (house style (a)). Pure: no network, no files, no clock;
the page is parsed once with lxml and that tree is what trafilatura gets, already cleaned.

CLI: ``python -m transforms.extract PAGE.html [--url URL] [--outlet ID] [--json]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lxml.html
import py3langid
import trafilatura
from lxml.etree import ParserError
from trafilatura.settings import use_config

from transforms import metadata as meta_
from transforms.boilerplate import (
    clean_paragraphs,
    drop_learned,
    paragraphs_from_breaks,
    remove_boilerplate_nodes,
)
from transforms.decode import decode_html, header
from transforms.record import Article, ExtractionHints, Verdict
from transforms.verdict import (
    listing_reason,
    not_html_reason,
    soft_404_reason,
    too_short_reason,
)

EXTRACTOR = "khabar-generic"
EXTRACTOR_VERSION = f"khabar-extract/1.0+trafilatura-{trafilatura.__version__}"

# Built once and never mutated afterwards: a constant, not a cache. trafilatura's default
# EXTRACTION_TIMEOUT uses SIGALRM, which only works in the main thread; our process pool does not
# need it.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
# The golden tests decide this flag: on the snapshot, favor_precision=True gives the same result
# (token F1 1.000, no boilerplate left) because furniture is already gone, and it is slower.
_FAVOR_PRECISION = False
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_MIN_WORDS_FOR_LANGID = 15
# The first thousand characters identify the language as well as the whole text does,
# at a fraction of py3langid's cost on long articles.
_LANGID_CHARS = 1000


def _parse(text: str) -> lxml.html.HtmlElement | None:
    try:
        # lxml refuses str input that still declares an encoding; the bytes are decoded already.
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (ParserError, ValueError):
        return None


def _page_text(root: lxml.html.HtmlElement) -> str:
    body = root.find("body")
    node = body if body is not None else root
    return " ".join(" ".join(t for t in node.itertext() if t.strip()).split())


def _narrow(root: lxml.html.HtmlElement, selector: str) -> lxml.html.HtmlElement:
    """A page with the original <head> and only the nodes matching ``selector`` as body."""
    found = root.cssselect(selector)
    if not found:
        return root
    page = lxml.html.document_fromstring("<html><head></head><body></body></html>")
    head, body = root.find("head"), page.find("body")
    if head is not None:
        page.replace(page.find("head"), head)
    for element in found:
        element.tail = None
        body.append(element)
    return page


def _language(text: str, words: int, fallback: str | None) -> str | None:
    if words >= _MIN_WORDS_FOR_LANGID:
        code, _score = py3langid.classify(text[:_LANGID_CHARS])
        return str(code)
    return fallback


# htmldate's extensive search falls back to dateparser, which spends ~9 s loading its locales
# in every new process (each extraction worker) for pages without a machine-readable date;
# ``metadata.py`` already reads JSON-LD, article:* metas, <time> and aggregator date lines.
_DATE_PARAMS = {"original_date": True, "extensive_search": False}


def _trafilatura(root: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    document = trafilatura.bare_extraction(
        root,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=_FAVOR_PRECISION,
        # Its LRU cache is process-wide: results would depend on what ran before (style (b)).
        deduplicate=False,
        config=_CONFIG,
        date_extraction_params=_DATE_PARAMS,
    )
    if document is None:
        return {}
    return document.as_dict() if hasattr(document, "as_dict") else dict(document)


def extract_article(
    body: bytes,
    url: str,
    *,
    outlet: str,
    headers: Mapping[str, str] | None = None,
    hints: ExtractionHints | None = None,
    status: int = 200,
    learned: frozenset[str] = frozenset(),
) -> Article:
    """Extract one fetched page.

    Args:
        body: response body as sent (any encoding).
        url: the page's final URL; used to resolve links, compare hosts and as canonical fallback.
        outlet: registry id, copied into the record.
        headers: response headers; ``content-type`` drives decoding and the not-HTML gate.
        hints: per-outlet knowledge (timezone, language, extra selectors, aggregator flag).
        status: HTTP status; 4xx/5xx pages are ``error`` without parsing.
        learned: fingerprints from ``boilerplate.learn_boilerplate`` for this outlet.

    Returns:
        An ``Article`` whose ``verdict`` says whether the body fields are meaningful. Pages that
        are not articles still carry the metadata that could be read (title, canonical URL).
    """
    hints = hints or ExtractionHints()
    record: dict[str, Any] = {
        "outlet": outlet,
        "url": url,
        "canonical_url": meta_.clean_url(url),
        "extractor": EXTRACTOR,
        "extractor_version": EXTRACTOR_VERSION,
    }
    if status >= 400:
        return Article(verdict=Verdict.ERROR, reason=f"http status {status}", **record)
    reason = not_html_reason(body, header(headers, "content-type"))
    if reason:
        return Article(verdict=Verdict.NOT_HTML, reason=reason, **record)
    text, _encoding = decode_html(body, headers)
    root = _parse(text)
    if root is None:
        return Article(verdict=Verdict.ERROR, reason="unparseable HTML", **record)

    record.update(_metadata(root, url, hints))
    article_signals = record.pop("_article_signals")
    paywalled = record.pop("_paywalled")

    remove_boilerplate_nodes(root, hints.remove_selectors)
    paragraphs_from_breaks(root)
    if hints.body_selector:
        root = _narrow(root, hints.body_selector)
    extracted = _trafilatura(root, url)
    lines = (extracted.get("text") or "").split("\n")
    paragraphs = [p for p in clean_paragraphs(lines) if p != record.get("title")]
    paragraphs = drop_learned(paragraphs, learned, record.get("title"))
    body_text = "\n\n".join(paragraphs)
    words = len(body_text.split())
    record.update(paragraphs=paragraphs, text=body_text, word_count=words)
    _fill_from_trafilatura(record, extracted, hints.timezone)
    record["language"] = _language(body_text, words, record.get("language") or hints.language)

    verdict, reason = Verdict.ARTICLE, None
    for gate, candidate in (
        (Verdict.SOFT_404, soft_404_reason(root, words)),
        (Verdict.LISTING, listing_reason(root, url, paragraphs, article_signals)),
        (Verdict.PAYWALLED, "isAccessibleForFree is false" if paywalled and words < 150 else None),
        (Verdict.TOO_SHORT, too_short_reason(words)),
    ):
        if candidate:
            verdict, reason = gate, candidate
            break
    if verdict in {Verdict.SOFT_404, Verdict.LISTING}:
        record.update(paragraphs=[], text="", word_count=0)
    return Article(verdict=verdict, reason=reason, **record)


def _metadata(root: lxml.html.HtmlElement, url: str, hints: ExtractionHints) -> dict[str, Any]:
    """Every metadata field read from the untouched tree (furniture removal loses some)."""
    meta = meta_.metas(root)
    ld_objects = meta_.json_ld(root)
    ld = meta_.ld_article(ld_objects)
    published, modified = meta_.dates(root, meta, ld, hints.timezone)
    fields: dict[str, Any] = {
        "canonical_url": meta_.canonical_url(root, meta, url),
        "title": meta_.title(root, meta, ld),
        "subtitle": meta_.subtitle(root),
        "authors": meta_.authors(root, meta, ld),
        "published_at": published,
        "modified_at": modified,
        "language": meta_.html_language(root, meta),
        "categories": meta_.categories(root, meta, ld),
        "tags": meta_.tags(root, ld),
        "description": meta.get("og:description") or meta.get("description"),
        "image": meta_.image(meta, ld, url),
        "_article_signals": meta_.has_article_signals(root, meta, ld),
        "_paywalled": str(ld.get("isAccessibleForFree", "")).lower() == "false",
    }
    copy = meta_.republished(root, _page_text(root), url, hints.timezone)
    if copy and (hints.aggregator or "original_outlet" in copy):
        fields.update(copy)
        if fields["published_at"] is None:
            fields["published_at"] = copy.get("original_published_at")
    return fields


def _fill_from_trafilatura(record: dict[str, Any], extracted: dict[str, Any], tz: str) -> None:
    """trafilatura's guesses (htmldate for the date) only where our structured reads found none."""
    if not record.get("title") and extracted.get("title"):
        record["title"] = extracted["title"]
    # On an aggregator copy trafilatura's author guess is the teaser's newspaper name.
    if not record.get("authors") and extracted.get("author") and not record.get("original_outlet"):
        record["authors"] = [
            a for part in extracted["author"].split(";") for a in meta_.split_authors(part)
        ]
    if record.get("published_at") is None and extracted.get("date"):
        record["published_at"] = meta_.parse_datetime(extracted["date"], tz)
    if not record.get("description") and extracted.get("description"):
        record["description"] = extracted["description"]


def main(argv: list[str] | None = None) -> int:
    """CLI: print the clean body text of a saved page, or the whole record as JSON."""
    parser = argparse.ArgumentParser(prog="python -m transforms.extract", description=__doc__)
    parser.add_argument("page", type=Path, help="saved HTML file")
    parser.add_argument("--url", help="the page's URL (default: file:// URL of PAGE)")
    parser.add_argument("--outlet", help="registry id; its extraction hints are applied")
    parser.add_argument("--json", action="store_true", help="print the whole record as JSON")
    args = parser.parse_args(argv)

    from registry import load_outlets  # only the CLI may know the registry (architecture.md)

    outlets = load_outlets()
    url = args.url or args.page.resolve().as_uri()
    outlet_id = args.outlet
    if outlet_id is None:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower()
        outlet_id = next((o.id for o in outlets.values() if host in o.hosts), "unknown")
    hints = outlets[outlet_id].extraction_hints if outlet_id in outlets else None
    article = extract_article(args.page.read_bytes(), url, outlet=outlet_id, hints=hints)
    if args.json:
        print(article.model_dump_json(indent=2))
    else:
        if article.verdict is not Verdict.ARTICLE:
            print(f"[{article.verdict.value}: {article.reason}]", file=sys.stderr)
        print(article.text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
