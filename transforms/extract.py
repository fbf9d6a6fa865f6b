"""Page bytes → ``Article``: decode, gate, strip furniture, run trafilatura, scrub, add metadata.

The one place trafilatura is called (house style (a)). Pure: no network, no files, no clock;
the page is parsed once with lxml and that tree is what trafilatura gets, already cleaned;
only the extraction floor (``floor.py``, a few pages in a hundred) parses it again, to give
trafilatura the page without our general rules. A page with article evidence is never thrown
away by a heuristic gate: it is stored with a flag in ``reason`` (``_gate``).
On a page that is an article, the declared date is weighed against the dates its header shows
(``dates.py``), htmldate runs once where neither gives one, and only the parts of trafilatura's
metadata pass that can fill a missing title or author run; see
``page_metadata.settle_published`` and ``_fill_from_trafilatura``.

CLI: ``python -m transforms.extract PAGE.html [--url URL] [--outlet ID] [--json]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping
from copy import copy
from enum import Enum
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura
import trafilatura.metadata as traf_meta
import trafilatura.xpaths as traf_xpaths
from lxml import etree
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.settings import Document, Extractor, use_config
from trafilatura.utils import repair_faulty_html
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from khabar.urls import article_url
from transforms import floor
from transforms import metadata as meta_
from transforms.boilerplate import (
    Removal,
    clean_paragraphs,
    css,
    drop_learned,
    non_space_length,
    paragraphs_from_breaks,
    parse_page,
    remove_boilerplate_nodes,
)
from transforms.catalogue import NAME_WORDS, catalogue_reason
from transforms.decode import decode_html, header
from transforms.embeds import read_embeds, take_embeds
from transforms.listing import (
    HEADLINE_WORDS,
    LINKS_ONLY_SHARE,
    SHOP_MIN_CARDS,
    link_share,
    listing_proof,
    listing_reason,
    shop_cards,
)
from transforms.named_listing import named_listing
from transforms.page_metadata import read_metadata, settle_published
from transforms.readalso import remove_read_also
from transforms.record import Article, ExtractionHints, Verdict
from transforms.teasers import drop_teasers, teaser_keys
from transforms.verdict import (
    bot_challenge_reason,
    empty_body_reason,
    not_html_reason,
    soft_404_reason,
    too_short_reason,
    word_units,
)

EXTRACTOR = "khabar-generic"
EXTRACTOR_VERSION = f"khabar-extract/1.8+trafilatura-{trafilatura.__version__}"

# Built once and never mutated afterwards: a constant, not a cache. trafilatura's default
# EXTRACTION_TIMEOUT uses SIGALRM, which only works in the main thread; our process pool does not
# need it.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
# The golden tests decide this flag: on the snapshot, favor_precision=True gives the same result
# (token F1 1.000, no boilerplate left) because furniture is already gone, and it is slower.
_FAVOR_PRECISION = False
# trafilatura's options, built once: ``bare_extraction`` would build them on every call, reading
# eight settings through ConfigParser (a few tenths of a millisecond). Only the URL changes per
# page (``_trafilatura`` sets it on a copy).
_OPTIONS = Extractor(
    config=_CONFIG,
    output_format="python",
    comments=False,
    tables=True,
    precision=_FAVOR_PRECISION,
    # Its LRU cache is process-wide: results would depend on what ran before (style (b)).
    dedup=False,
    # Ours come from the untouched tree; its pass (htmldate included) would cost a sixth of the
    # extraction on every page to fill a field on a few (``_fill_from_trafilatura``).
    with_metadata=False,
)
_MIN_WORDS_FOR_LANGID = 15
# The first thousand characters identify the language as well as the whole text does,
# at a fraction of py3langid's cost on long articles.
_LANGID_CHARS = 1000
# py3langid walks the text byte by byte (~1.5 µs per character): a short sample settles the
# usual case, a body in the language the page declares; the full sample is for disagreements.
_LANGID_QUICK_CHARS = 400
# py3langid's model (the same one ``py3langid.classify`` loads lazily), loaded at import: the
# extraction pool's forkserver imports this module once and every worker inherits the model,
# instead of each worker spending ~0.5 s decompressing it on its first page.
_LANGID = LanguageIdentifier.from_model_file(MODEL_FILE)
# Verdicts whose record keeps the body, so trafilatura's metadata guesses are worth making.
_ARTICLE_LIKE = {Verdict.ARTICLE, Verdict.PAYWALLED, Verdict.TOO_SHORT}
PAYWALL_MAX_WORDS = 150


class Gate(Enum):
    """How much a gate's verdict weighs against the page's article evidence (``_gate``)."""

    STRONG = "strong"
    HEURISTIC = "heuristic"
    SHAPE = "shape"


def _narrow(root: lxml.html.HtmlElement, selector: str) -> lxml.html.HtmlElement:
    """A page with the original <head> and only the nodes matching ``selector`` as body."""
    found = css(selector, "html")(root)  # what root.cssselect(selector) compiles, once
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


_STRING = etree.XPath("string()", smart_strings=False)
# Alike containers are joined only when together they hold this share of the page's text.
JOIN_MIN_SHARE = 0.5


_CONTAINER_TAGS = ("article", "div", "main", "section")
_ARTICLE_ID = re.compile(traf_xpaths._alt(traf_xpaths._ARTICLE_CONTENT_ID_TOKENS))
_ARTICLE_CLASS = re.compile(traf_xpaths._alt(traf_xpaths._ARTICLE_CONTENT_CLASS_TOKENS))
_STORY_ID = re.compile(traf_xpaths._alt(traf_xpaths._STORY_ID_TOKENS))
_STORY_CLASS = re.compile(traf_xpaths._alt(traf_xpaths._STORY_CLASS_TOKENS))
_FULLTEXT = re.compile("fulltext", re.IGNORECASE)
_MAIN_ID = re.compile(traf_xpaths._alt(traf_xpaths._MAIN_CONTENT_ID_TOKENS))
_MAIN_CLASS = re.compile(traf_xpaths._alt(traf_xpaths._MAIN_CONTENT_CLASS_TOKENS))


def _body_rank(element: lxml.html.HtmlElement) -> int | None:
    """Which of trafilatura's ``BODY_XPATH`` expressions matches ``element`` first (its index),
    or None: their predicates, in Python over each element."""
    tag = element.tag
    ident, cls = element.get("id") or "", element.get("class") or ""
    role = element.get("role") or ""
    if (cls in ("post", "entry") or element.get("itemprop") == "articleBody"
            or ident == "articleContent" or _ARTICLE_ID.search(ident)
            or _ARTICLE_CLASS.search(cls)):
        return 0
    if tag == "article":
        return 1
    if (role == "article" or ident in ("article", "story")
            or cls in ("postarea", "art-postcontent", "text", "cell", "story")
            or _STORY_ID.search(ident) or _FULLTEXT.search(cls) or _STORY_CLASS.search(cls)):
        return 2
    if (ident == "content" or cls == "content" or _MAIN_ID.search(ident)
            or _MAIN_CLASS.search(cls) or "main-content" in ident.replace("C", "c").replace(
                "M", "m") or "main-content" in cls.replace("C", "c").replace("M", "m")
            or "page-content" in cls.replace("C", "c").replace("P", "p")):
        return 3
    if tag == "main" or cls.startswith("main") or ident.startswith("main") or role.startswith(
            "main"):
        return 4
    return None


def _body_container(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element trafilatura reads as the body: the first in document order that its first
    matching ``BODY_XPATH`` expression finds; None when none matches.

    The same answer as evaluating the expressions in turn, in one walk over the containers'
    tags: their regular expressions are EXSLT functions that lxml calls back into Python for
    every element, and the five expressions cost ~3.5 ms a page (4.6 % of our time on WCXB).
    """
    best: tuple[int, lxml.html.HtmlElement] | None = None
    for element in root.iter(*_CONTAINER_TAGS):
        if element is root:
            continue
        rank = _body_rank(element)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, element)
            if rank == 0:
                break
    return best[1] if best is not None else None


def _join_split_body(root: lxml.html.HtmlElement) -> int:
    """Move the other parts of the page's body container into the first; how many.

    trafilatura reads the first element its body XPaths match (``BODY_XPATH``, each ending in
    ``[1]``), so a story that the site splits into containers of the same class came out as
    its first part: Wired repeats ``div.article__body`` in a new layout row around each ad
    slot, and on ScrapingHub two articles kept a third and a half of their text (bare
    trafilatura too). The parts are siblings of the first of the same tag and class, or
    children of the same tag and class in its parent's alike siblings. A row holding an h1 is
    the next story of an infinite scroll, not a part; the parts must hold half of the page's
    text (``JOIN_MIN_SHARE``).
    """
    first = _body_container(root)
    if first is None:
        return 0
    key = (first.tag, first.get("class"))
    if not key[1]:
        return 0
    parts = [e for e in first.itersiblings() if (e.tag, e.get("class")) == key]
    parent = first.getparent()
    if not parts and parent is not None and parent.get("class"):
        for row in parent.itersiblings():
            if (row.tag, row.get("class")) != (parent.tag, parent.get("class")):
                continue
            if next(row.iter("h1"), None) is not None:
                break
            parts += [e for e in row if (e.tag, e.get("class")) == key]
    if not parts:
        return 0  # most pages: the page's text is not worth measuring
    # The parts of one story hold most of the page's text; a row of teaser tiles that
    # share a class does not (WCXB: two lists of tiles joined made trafilatura take them,
    # not the article, where it had rejected one tile as too short).
    body = root.find("body")
    page = non_space_length(_STRING(body if body is not None else root))
    joined = sum(non_space_length(_STRING(e)) for e in (first, *parts))
    if joined < JOIN_MIN_SHARE * page:
        return 0
    for part in parts:
        first.append(part)
    return len(parts)


def _language(text: str, words: int, declared: str | None) -> str | None:
    """py3langid's reading of the body, else the declared language (``<html lang>``, registry)."""
    if words < _MIN_WORDS_FOR_LANGID:
        return declared
    code = str(_LANGID.classify(text[:_LANGID_QUICK_CHARS])[0])
    if code != declared and len(text) > _LANGID_QUICK_CHARS:
        code = str(_LANGID.classify(text[:_LANGID_CHARS])[0])
    return code


def _trafilatura(page: lxml.html.HtmlElement | str, url: str) -> str:
    """The body text trafilatura finds in the cleaned tree (it works on a copy), or in the
    untouched page's source (which it parses itself)."""
    options = copy(_OPTIONS)
    options.url = options.source = url  # what Extractor(url=url) sets
    document = trafilatura.bare_extraction(page, options=options)
    return (document.text or "") if isinstance(document, Document) else ""


def _untouched(text: str, hints: ExtractionHints, url: str) -> lxml.html.HtmlElement:
    """The page for the floor's second pass: the source as fetched, less what the outlet's
    registry entry names (``remove_selectors``: maghress's ticker of every paper's headlines
    would fill its listing pages) and what the strong furniture rules name (cookie tables,
    newsletter boxes, comments, share bars, hidden elements; ``strong_only``), all of which are
    named rules with strong evidence. Tags that never hold prose go too (scripts, forms), and
    embedded posts (kept in the record, never in the body: ``transforms.embeds``)."""
    root = parse_page(text)
    if root is None:  # the first parse of the same text succeeded; kept for the type checker
        return lxml.html.document_fromstring("<html><body></body></html>")
    remove_boilerplate_nodes(root, hints.remove_selectors, strong_only=True)
    take_embeds(root, url)
    remove_read_also(root)
    return root


def _paragraphs(page: lxml.html.HtmlElement, url: str, title: str | None,
                learned: frozenset[str]) -> list[str]:
    """trafilatura's lines from ``page``, scrubbed (``clean_paragraphs``), without the title,
    the teasers for other articles (``transforms.teasers``) or learned furniture."""
    raw = _trafilatura(page, url)
    paragraphs = [p for p in clean_paragraphs(raw.split("\n")) if p != title]
    paragraphs = drop_teasers(paragraphs, teaser_keys(page, url))
    return drop_learned(paragraphs, learned, title)


def _listing_whatever_the_body(root: lxml.html.HtmlElement, url: str, title: str | None,
                               dated: bool, evidence: str | None, page_types: set[str]) -> bool:
    """The gate (``_gate``) will call this page a listing whatever its body: it has no article
    evidence and one of the listing rules that read no body holds (a product grid, a page of
    links, a catalogue page). The extraction floor's second pass is then wasted: a listing's
    body is not stored. On ScrapingHub and WCXB dev it spares 43 of the 198 second passes
    (their pages took 11 of the 31 s of CPU that the 198 took in all), each on a page stored as
    a listing before and after."""
    if evidence:
        return False
    body = root.find("body")
    scope = body if body is not None else root
    return (shop_cards(scope) >= SHOP_MIN_CARDS or link_share(scope) >= LINKS_ONLY_SHARE
            or catalogue_reason(root, url, title, dated, page_types) is not None)


def _floor(paragraphs: list[str], removal: Removal, text: str, url: str, hints: ExtractionHints,
           title: str | None, learned: frozenset[str], evidence: bool,
           listing: Callable[[], bool]) -> tuple[list[str], str | None]:
    """The extraction floor (``floor.py``): trafilatura on the untouched page when cheap evidence
    says our body may be poorer, unless the page is a listing whatever its body (``listing``,
    asked only then); its body when it is clearly richer (``floor.prefer_untouched``; whether
    the page has article ``evidence`` counts); and the decision, if any."""
    words = word_units("\n\n".join(paragraphs))
    why = floor.check_reason(words, non_space_length("".join(paragraphs)), removal,
                             bool(hints.body_selector))
    if not why or listing():
        return paragraphs, None
    untouched = _paragraphs(_untouched(text, hints, url), url, title, learned)
    untouched_words = word_units("\n\n".join(untouched))
    if not floor.prefer_untouched(words, untouched_words, untouched, evidence):
        return paragraphs, None
    return untouched, (f"floor: trafilatura on the untouched page ({untouched_words} words "
                       f"against {words}; {why})")


def _gate(root: lxml.html.HtmlElement, text: str, url: str, headers: Mapping[str, str] | None,
          paragraphs: list[str], words: int, page_types: set[str], paywalled: bool,
          dated: bool, title: str | None, evidence: str | None) -> tuple[Verdict, str | None, Gate]:
    """The first gate that holds: its verdict, its reason, and its kind: ``STRONG`` (no article
    evidence overrules it: strong listing evidence, ``listing_proof``, is one), ``HEURISTIC``
    (a page with article evidence is then stored with a flag) or ``SHAPE`` (a listing whose
    structure overrules the page's meta evidence, ``listing.ListingCall.overrules``)."""

    def listing() -> tuple[str, Gate] | None:
        title_words = word_units(title) if title is not None else 0
        call = listing_reason(root, url, paragraphs, dated, evidence,
                              title_words >= HEADLINE_WORDS, 0 < title_words <= NAME_WORDS)
        return ((call.reason, Gate.SHAPE if call.overrules(evidence) else Gate.HEURISTIC)
                if call else None)

    def plain(reason: str | None, kind: Gate) -> tuple[str, Gate] | None:
        return (reason, kind) if reason else None

    checks: tuple[tuple[Verdict, Callable[[], tuple[str, Gate] | None]], ...] = (
        (Verdict.BLOCKED, lambda: plain(bot_challenge_reason(text, words, headers), Gate.STRONG)),
        (Verdict.SOFT_404, lambda: plain(soft_404_reason(root, words), Gate.STRONG)),
        (Verdict.LISTING, lambda: plain(listing_proof(root, page_types), Gate.STRONG)),
        (Verdict.LISTING, lambda: plain(named_listing(root, url, title), Gate.STRONG)),
        (Verdict.LISTING, listing),
        # A heuristic for pages with no article evidence at all (``catalogue.py``).
        (Verdict.LISTING, lambda: plain(
            None if evidence else catalogue_reason(root, url, title, dated, page_types),
            Gate.HEURISTIC)),
        (Verdict.PAYWALLED, lambda: plain(
            f"isAccessibleForFree is false, {words} words of body (< {PAYWALL_MAX_WORDS})"
            if paywalled and words < PAYWALL_MAX_WORDS else None, Gate.HEURISTIC)),
        (Verdict.TOO_SHORT, lambda: plain(too_short_reason(words), Gate.HEURISTIC)),
    )
    for verdict, check in checks:
        found = check()  # in order, and only until one holds: the listing checks cost most
        if found:
            return verdict, found[0], found[1]
    return Verdict.ARTICLE, None, Gate.STRONG


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
        "canonical_url": article_url(url),
        "extractor": EXTRACTOR,
        "extractor_version": EXTRACTOR_VERSION,
    }
    if status >= 400:
        return Article(verdict=Verdict.ERROR, reason=f"http status {status}", **record)
    reason = empty_body_reason(body)
    if reason:
        return Article(verdict=Verdict.ERROR, reason=reason, **record)
    reason = not_html_reason(body, header(headers, "content-type"))
    if reason:
        return Article(verdict=Verdict.NOT_HTML, reason=reason, **record)
    text, _encoding = decode_html(body, headers)
    # trafilatura's own input clean-up (control characters, a doctype libxml2 misreads, a
    # self-closed <html/>), which it skips when handed a tree: one U+0008 in a page made it
    # return nothing.
    text = repair_faulty_html(text, text[:50].lower())
    root = parse_page(text)
    if root is None:
        return Article(verdict=Verdict.ERROR, reason="unparseable HTML", **record)

    record.update(read_metadata(root, url, hints, outlet))
    evidence = record.pop("_evidence")
    page_types = record.pop("_page_types")
    paywalled = record.pop("_paywalled")
    date_evidence = record.pop("_dates")

    embedded = read_embeds(root, url)  # from the untouched tree, then out of the body
    record["embeds"] = embedded.embeds
    removal = remove_boilerplate_nodes(root, hints.remove_selectors)
    embedded.remove()
    paragraphs_from_breaks(root)
    remove_read_also(root)
    if hints.body_selector:
        root = _narrow(root, hints.body_selector)
    _join_split_body(root)
    paragraphs = _paragraphs(root, url, record.get("title"), learned)
    dated = record.get("published_at") is not None
    paragraphs, floor_used = _floor(
        paragraphs, removal, text, url, hints, record.get("title"), learned, bool(evidence),
        lambda: _listing_whatever_the_body(root, url, record.get("title"), dated, evidence,
                                           page_types))
    body_text = "\n\n".join(paragraphs)
    words = word_units(body_text)
    record.update(paragraphs=paragraphs, text=body_text, word_count=words)

    verdict, reason, kind = _gate(root, text, url, headers, paragraphs, words, page_types,
                                  paywalled, dated, record.get("title"), evidence)
    decisions = [d for d in (floor_used,) if d]  # what changed the stored body, for ``reason``
    if kind is Gate.SHAPE:  # only ever a call that overrules the page's meta evidence
        # Counted per outlet per night like every verdict; the reason names what it overruled.
        reason = f"{reason} (overrules {evidence} alone)"
    elif kind is not Gate.STRONG and evidence:
        decisions.insert(0, f"flagged {verdict.value}: {reason} (stored: {evidence})")
        verdict, reason = Verdict.ARTICLE, None
    if verdict is Verdict.ARTICLE and decisions:
        reason = "; ".join(decisions)
    if verdict in _ARTICLE_LIKE:
        # A listing's htmldate is its newest teaser's date and its "author" a teaser's paper.
        record["published_at"] = settle_published(record.get("published_at"), date_evidence,
                                                  text, url, hints.timezone)
        _fill_from_trafilatura(record, root)
    record["language"] = _language(body_text, words, record.get("language") or hints.language)
    if verdict in {Verdict.SOFT_404, Verdict.LISTING}:
        record.update(paragraphs=[], text="", word_count=0)
    return Article(verdict=verdict, reason=reason, **record)


def _fill_from_trafilatura(record: dict[str, Any], root: lxml.html.HtmlElement) -> None:
    """trafilatura's guesses for the title and authors only where our structured reads found
    none, and only the parts of its metadata pass that can fill them.

    These are the steps of ``trafilatura.extract_metadata`` that give a title, an author or a
    description (its metas, its JSON-LD reader, its h1/title and byline XPaths), on the cleaned
    tree, as it ran inside ``bare_extraction``; never for authors on an aggregator copy (its
    guess is the teaser's newspaper). The rest of that pass is not run: the date (htmldate
    again, on a tree that is a part of the one ``page_metadata.settle_published`` searched),
    site name, categories, tags and licence. Measured on 300 WCXB pages: the whole pass cost
    14 ms a page on the 145 pages that needed it, 9 % of our extraction time; these parts cost
    half as much.
    """
    need_title = not record.get("title")
    need_authors = not record.get("authors") and not record.get("original_outlet")
    if not need_title and not need_authors:
        return
    found = traf_meta.examine_meta(root)
    if found.author and " " not in found.author:
        found.author = None  # as extract_metadata does: a single word is a handle
    try:
        found = traf_meta.extract_meta_json(root, found)
    except Exception:  # noqa: BLE001 - trafilatura's own guard: bugs in its JSON-LD reader
        pass
    if need_title:
        record["title"] = found.title or traf_meta.extract_title(root) or None
    if need_authors:
        raw = found.author or _byline_guess(root)
        if raw:
            record["authors"] = meta_.fallback_authors(raw)
    if not record.get("description") and found.description:
        record["description"] = found.description


# Every attribute that trafilatura's byline expressions (``AUTHOR_XPATHS``) test, and a word
# that each of their tests needs (lower case; "byl" covers "byline"): a page whose attributes
# hold none of them cannot match. Its elements named in those expressions: <author>, and <rel>
# (the first expression's ``rel='me'`` tests a child element).
_BYLINE_ATTRIBUTES = etree.XPath(
    "//@class|//@id|//@itemprop|//@rel|//@data-testid|//@data-component", smart_strings=False)
_BYLINE_WORDS = ("author", "byl", "bbl", "username", "screenname", "writer", "zuozhe", "bianji",
                 "xiaobian", "channel-name", "submitted-by", "posted-by", "journalist-name")


def _byline_possible(root: lxml.html.HtmlElement) -> bool:
    """Whether ``AUTHOR_XPATHS`` can match anything in ``root``: one C-level query of its
    attributes, where the three expressions (regular expressions called back into Python for
    every element) and the prune before them cost ~6 ms a page. On 400 WCXB pages, 115 of the
    147 pages that needed a byline guess had none of the words."""
    names = " ".join(_BYLINE_ATTRIBUTES(root)).lower()
    return (any(word in names for word in _BYLINE_WORDS)
            or next(root.iter("author", "rel"), None) is not None)


def _byline_guess(root: lxml.html.HtmlElement) -> str | None:
    """``trafilatura.metadata.extract_author`` without its deep copy of the tree: the caller's
    tree is not used after this, so its byline-free parts (``AUTHOR_DISCARD_XPATHS``) are
    pruned in place. None at once when no byline expression can match
    (``_byline_possible``): pruning only removes elements, so it cannot make one match."""
    if not _byline_possible(root):
        return None
    pruned = prune_unwanted_nodes(root, AUTHOR_DISCARD_XPATHS)
    author = traf_meta.extract_metainfo(pruned, AUTHOR_XPATHS, len_limit=120)
    return traf_meta.normalize_authors(None, author) if author else None


def main(argv: list[str] | None = None) -> int:
    """CLI: print the clean body text of a saved page, or the whole record as JSON.

    Bad input (a page that is missing or unreadable, a bad registry, an unknown ``--outlet``)
    gets one line on stderr and exit 2 before any extraction, like every command of the project.
    """
    prog = "python -m transforms.extract"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("page", type=Path, help="saved HTML file")
    parser.add_argument("--url", help="the page's URL (default: file:// URL of PAGE)")
    parser.add_argument("--outlet", help="registry id; its extraction hints are applied")
    parser.add_argument("--json", action="store_true", help="print the whole record as JSON")
    args = parser.parse_args(argv)

    from registry import RegistryError, load_outlets  # only the CLI may know the registry

    try:
        body = args.page.read_bytes()
        outlets = load_outlets()
    except OSError as exc:
        return _refuse(prog, f"cannot read {args.page}: {exc.strerror or exc}")
    except RegistryError as exc:
        return _refuse(prog, str(exc))
    if args.outlet is not None and args.outlet not in outlets:
        return _refuse(prog, f"unknown outlet {args.outlet!r}; known: {', '.join(outlets)}")
    url = args.url or args.page.resolve().as_uri()
    outlet_id = args.outlet
    if outlet_id is None:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower()
        outlet_id = next((o.id for o in outlets.values() if host in o.hosts), "unknown")
    hints = outlets[outlet_id].extraction_hints if outlet_id in outlets else None
    article = extract_article(body, url, outlet=outlet_id, hints=hints)
    if args.json:
        print(article.model_dump_json(indent=2))
    else:
        if article.verdict is not Verdict.ARTICLE:
            print(f"[{article.verdict.value}: {article.reason}]", file=sys.stderr)
        print(article.text)
    return 0


def _refuse(prog: str, problem: str) -> int:
    print(f"{prog}: error: {problem}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
