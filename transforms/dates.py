"""The publication date a page *shows* under its headline, and how it is weighed against the
date its markup declares.

WCXB's annotators wrote the date a page displays, and markup is a CMS's record (the first
draft, a migration, a re-save), so on an article (``page_metadata.settle_published``):

* a day in the URL one off the declared date wins: the CMS wrote the URL in the site's own
  time, the markup in UTC; without a declared date, the URL's day ("/2023/10/03/",
  "/2023/october/03/") wins when the header shows no date or shows it (one reading of
  "03/10/2023");
* a declared date that the header shows too (to within a day: the header prints the local day)
  stands, with its time and offset;
* a header date labelled "Published", "Posted", "Publié"… is the publication date;
* a page without a declared date takes the first date its header shows;
* an unlabelled header date within ``OVERRIDE_CHARS`` after the headline overrides a declared
  date it disagrees with (a site's "Feb 4, 2025" above the text against a ``datePublished`` of
  2021): on WCXB 14 pages right, 5 wrong;
* a date labelled "Updated", "Last updated", "Mis à jour"… does not override a declared
  publication date that Open Graph's ``article:published_time`` carries (the publisher's
  public record, which link previews and feed readers show); where the declared date is in
  JSON-LD or microdata alone and the header shows only a later "Updated" day, that day is the
  date the page displays, and it is taken (``shown-updated``). On WCXB's dev articles that
  show only an "Updated" day after a different declared one, the annotators wrote the
  Open Graph date on 17 of the 20 pages that have one, and the "Updated" day on 15 of the 17
  that have none (the rule makes those 15 right and 2 wrong). The record has one publication
  date, so such a page's JSON-LD one is not stored; its modification date stays in
  ``modified_at``.

Where neither the markup nor the header gives a date, ``labelled_date`` reads a "Posted on…"
day further down the text, then comes a JSON-LD WebPage's datePublished
(``metadata.page_published``; a later "Last updated:…" day further down beats it), then
htmldate, then the "Last updated:…" day (``page_metadata.settle_published``).

Measured on WCXB's 793 dev articles (659 with an annotated date): same-day 0.810 before these
rules, 0.877 with the header rules (51 pages right that were wrong, 7 wrong that were right),
then with ``shown-updated`` (15 right, 2 wrong), ``labelled_date`` (2 right), the WebPage
date (2 right), the URL's day without markup and ``<time pubdate>`` (1 right each): 0.906;
bare trafilatura's metadata 0.845 (``scripts/dates_report.py`` prints them page by page).

The header is the text from the headline's ``<h1>`` on (``AFTER_CHARS``) and just before it
(``BEFORE_CHARS``: category lines and "Back to all articles · February 4, 2025" sit above),
skipping menus, asides, footers, forms, buttons and figures. Only explicit dates are read
(month names in English, French, German, Spanish, Portuguese, Italian and Dutch; ISO
``YYYY-MM-DD``; numeric ``D/M/YYYY`` and ``D.M.YYYY``): relative dates ("2 hours ago") need the
fetch time, which a pure transform does not have. A numeric date with slashes is read
month-first only on pages in US English (``<html lang="en-US">`` or plain "en"); a part above 12
decides, and either reading within a day of the declared date keeps the declared one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from lxml.html import HtmlElement

AFTER_CHARS = 500
BEFORE_CHARS = 150
OVERRIDE_CHARS = 300
# How much of a page ``labelled_date`` reads: WCXB's articles hold up to ~80,000 characters of
# text; read whole, 179 of its 793 dev articles have a labelled day, 174 of them within the first
# 20,000 characters (the other five at 20,700-68,300).
PAGE_CHARS = 20_000
_SKIP = {"script", "style", "noscript", "template", "button", "select", "option", "svg", "nav",
         "aside", "footer", "form", "figure", "textarea"}

_MONTHS = (
    ("jan", "january", "janvier", "januar", "enero", "janeiro", "gennaio", "januari", "jänner"),
    ("feb", "february", "février", "fevrier", "februar", "febrero", "fevereiro", "febbraio",
     "februari"),
    ("mar", "march", "mars", "märz", "marzo", "março", "maart"),
    ("apr", "april", "avril", "abril", "aprile"),
    ("may", "mai", "mayo", "maio", "maggio", "mei"),
    ("jun", "june", "juin", "juni", "junio", "junho", "giugno"),
    ("jul", "july", "juillet", "juli", "julio", "julho", "luglio"),
    ("aug", "august", "août", "aout", "agosto", "augustus"),
    ("sep", "sept", "september", "septembre", "septiembre", "setembro", "settembre"),
    ("oct", "october", "octobre", "oktober", "octubre", "outubro", "ottobre"),
    ("nov", "november", "novembre", "noviembre", "novembro"),
    ("dec", "december", "décembre", "decembre", "dezember", "diciembre", "dezembro", "dicembre"),
)
_MONTH = {name: number for number, names in enumerate(_MONTHS, 1) for name in names}
_MONTH_WORD = "|".join(sorted(map(re.escape, _MONTH), key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_DATE = re.compile(
    rf"(?<![^\W\d_])(?P<m1>{_MONTH_WORD})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
    rf"(?P<y1>{_YEAR})(?!\d)"
    rf"|(?<!\d)(?P<d2>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?(?P<m2>{_MONTH_WORD})"
    rf"\.?,?\s+(?:de\s+)?(?P<y2>{_YEAR})(?!\d)"
    rf"|(?<![\d-])(?P<y3>{_YEAR})-(?P<m3>\d\d)-(?P<d3>\d\d)(?!\d)"
    rf"|(?<![\d/.])(?P<a4>\d{{1,2}})(?P<sep>[/.])(?P<b4>\d{{1,2}})(?P=sep)(?P<y4>{_YEAR})(?!\d)",
    re.IGNORECASE,
)
# The words just before a date that say what it is.
_UPDATED = re.compile(
    r"(?:updated|modified|edited|reviewed|refreshed|mis à jour|mise à jour|actualis\w*"
    r"|aktualisiert|atualizad\w*|aggiornat\w*)\W{0,3}(?:on|at|le|am|el|em|il)?\W{0,3}$",
    re.IGNORECASE,
)
# What begins the labels of ``_UPDATED`` and ``_PUBLISHED``, lower case, for ``labelled_date``.
_LABEL_WORDS = ("updated", "modified", "edited", "reviewed", "refreshed", "mis à jour",
                "mise à jour", "actualis", "aktualisiert", "atualizad", "aggiornat", "published",
                "posted", "publié", "publicad", "pubblicato", "veröffentlicht", "gepubliceerd")
# How far after a label its date may start ("Last updated on: " and the date itself).
_LABEL_REACH = 60
_PUBLISHED = re.compile(
    r"(?:published|posted|publié|publiée|publicado|publicada|pubblicato|veröffentlicht"
    r"|gepubliceerd)\W{0,3}(?:on|at|le|am|el|em|il|op)?\W{0,3}$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Shown:
    """A date read in the page's header: the day(s) it can be, its label, where it was."""

    days: tuple[date, ...]  # two for an ambiguous numeric date, the preferred reading first
    label: str  # "published", "updated" or ""
    offset: int  # characters after the headline's start (negative: before it)


@dataclass(frozen=True)
class Evidence:
    """What the untouched page says about its date besides the declared one, read before
    furniture removal deletes the lines it sits in (``page_metadata.read_metadata``), weighed
    on articles only (``page_metadata.settle_published``)."""

    shown: list[Shown]  # around the headline (``shown_dates``)
    open_graph: bool = False  # ``metadata.open_graph_published``
    labelled: Shown | None = None  # further down the text (``labelled_date``)
    page_declared: datetime | None = None  # a JSON-LD WebPage's (``metadata.page_published``)


def _days(match: re.Match[str], month_first: bool) -> tuple[date, ...]:
    try:
        if match["m1"]:
            return (date(int(match["y1"]), _MONTH[match["m1"].lower()], int(match["d1"])),)
        if match["m2"]:
            return (date(int(match["y2"]), _MONTH[match["m2"].lower()], int(match["d2"])),)
        if match["y3"]:
            return (date(int(match["y3"]), int(match["m3"]), int(match["d3"])),)
    except ValueError:
        return ()
    a, b, year = int(match["a4"]), int(match["b4"]), int(match["y4"])
    readings = [(b, a), (a, b)] if month_first and match["sep"] == "/" else [(a, b), (b, a)]
    found = []
    for day, month in readings:
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    return tuple(dict.fromkeys(found))


def _own_text(node: HtmlElement, parts: list[str], budget: int) -> int:
    """Append the text inside ``node`` (not its tail), skipping ``_SKIP`` subtrees, until
    ``budget`` characters are taken (a sibling of the headline can hold the whole article);
    return how many were."""
    if not isinstance(node.tag, str) or node.tag in _SKIP:
        return 0
    size = 0
    if node.text:
        parts.append(node.text)
        size += len(node.text)
    for child in node:
        if size > budget:
            break
        size += _own_text(child, parts, budget - size)
        if child.tail:
            parts.append(child.tail)
            size += len(child.tail)
    return size


def _text_after(h1: HtmlElement, limit: int) -> str:
    """The text from the headline on, in reading order, until about ``limit`` characters."""
    parts: list[str] = []
    size = _own_text(h1, parts, limit)
    node: HtmlElement | None = h1
    while node is not None and node.tag != "body" and size <= limit:
        if node.tail:
            parts.append(node.tail)
            size += len(node.tail)
        sibling = node.getnext()
        while sibling is not None and size <= limit:
            size += _own_text(sibling, parts, limit - size)
            if sibling.tail:
                parts.append(sibling.tail)
                size += len(sibling.tail)
            sibling = sibling.getnext()
        node = node.getparent()
    return " ".join(" ".join(parts).split())[: limit + 100]


def _text_before(h1: HtmlElement, limit: int) -> str:
    """The last ``limit`` characters of text before the headline, within <body>."""
    chunks: list[str] = []  # nearest first
    size = 0
    node: HtmlElement | None = h1
    while node is not None and node.tag != "body" and size < limit:
        sibling = node.getprevious()
        while sibling is not None and size < limit:
            # Read from its end: only its last ``limit`` characters can be near the headline.
            text = " ".join([*_tail_text(sibling, limit), sibling.tail or ""])
            chunks.append(text)
            size += len(text.strip())
            sibling = sibling.getprevious()
        node = node.getparent()
        if node is not None and node.text and node.tag != "body":
            chunks.append(node.text)
            size += len(node.text.strip())
    return " ".join(" ".join(reversed(chunks)).split())[-limit:]


def _tail_text(node: HtmlElement, budget: int) -> list[str]:
    """The last ``budget`` characters or so of the text inside ``node``, in reading order,
    skipping ``_SKIP`` subtrees."""
    if not isinstance(node.tag, str) or node.tag in _SKIP:
        return []
    parts: list[str] = []  # backwards
    size = 0
    for child in reversed(node):
        if size >= budget:
            break
        if child.tail:
            parts.append(child.tail)
            size += len(child.tail.strip())
        inner = _tail_text(child, budget - size)
        parts.append(" ".join(inner))
        size += sum(len(t.strip()) for t in inner)
    if size < budget and node.text:
        parts.append(node.text)
    return list(reversed(parts))


def headline(root: HtmlElement, title: str | None) -> HtmlElement | None:
    """The ``<h1>`` holding the page's title, else its first ``<h1>``."""
    first = None
    wanted = " ".join((title or "").split())
    for h1 in root.iter("h1"):
        first = first if first is not None else h1
        if wanted and " ".join(h1.text_content().split()) == wanted:
            return h1
    return first


def _pubdate(root: HtmlElement) -> list[Shown]:
    """The first ``<time pubdate datetime="…">``'s day, labelled "published": HTML5's (since
    dropped) mark of the date its article was published, a date the reader sees. On WCXB's dev
    articles 15 dated pages have a readable one, the annotated day on 13; with it ours are
    right on 14 of them instead of 13 (the rules of ``choose`` keep a declared date it
    shows). The walk over the page's ``<time>`` elements costs ~0.17 ms a page."""
    for element in root.iter("time"):
        if element.get("pubdate") is not None:
            try:
                day = date.fromisoformat((element.get("datetime") or "").strip()[:10])
            except ValueError:
                continue
            return [Shown((day,), "published", AFTER_CHARS)]
    return []


def shown_dates(root: HtmlElement, title: str | None, month_first: bool) -> list[Shown]:
    """The dates the page shows around its headline, in reading order, then the day of its
    ``<time pubdate>`` (``_pubdate``)."""
    h1 = headline(root, title)
    if h1 is None:
        return _pubdate(root)
    before = _text_before(h1, BEFORE_CHARS)
    text = f"{before} | {_text_after(h1, AFTER_CHARS)}" if before else _text_after(h1,
                                                                                   AFTER_CHARS)
    start = len(before) + 3 if before else 0
    found = []
    for match in _DATE.finditer(text):
        days = _days(match, month_first)
        if not days:
            continue
        lead = text[max(0, match.start() - 30):match.start()]
        label = ("updated" if _UPDATED.search(lead)
                 else "published" if _PUBLISHED.search(lead) else "")
        found.append(Shown(days, label, match.start() - start))
    return found + _pubdate(root)


def labelled_date(root: HtmlElement, month_first: bool) -> Shown | None:
    """A day the page labels anywhere in its first ``PAGE_CHARS`` of text (menus, asides,
    footers and scripts skipped): the first labelled "Published", "Posted"…, else the first
    labelled "Updated"…, with its label and its offset in that text; None when there is none.

    For an article whose markup declares no date and whose header shows none
    (``page_metadata.read_metadata``): its byline may sit below the first paragraph ("Posted on Nov
    21, 2018") or at the foot of the text ("Last updated: November 13, 2025"). On WCXB's 793 dev
    articles it dates 2 pages right that had no date and 2 of the 134 without an annotated date, and
    on the pages htmldate dated it agrees with htmldate wherever it finds a day. The label is
    required: an unlabelled day in the text is a comment's, a related story's or an event's. The
    labels are found with ``str.find`` on the lower-cased text and the date pattern runs only just
    after them: run over the whole text, it cost four times as much.
    """
    body = root.find("body")
    parts: list[str] = []
    _own_text(body if body is not None else root, parts, PAGE_CHARS)
    text = " ".join(" ".join(parts).split())
    lowered = text.lower()
    best: dict[str, tuple[int, date]] = {}
    for word in _LABEL_WORDS:
        at = lowered.find(word)
        while at >= 0:
            window = text[at:at + _LABEL_REACH]
            match = _DATE.search(window)
            if match:
                lead = window[:match.start()]
                label = ("updated" if _UPDATED.search(lead)
                         else "published" if _PUBLISHED.search(lead) else "")
                days = _days(match, month_first) if label else ()
                if days and (label not in best or at < best[label][0]):
                    best[label] = (at, days[0])
            at = lowered.find(word, at + 1)
    label = "published" if "published" in best else "updated"
    return Shown((best[label][1],), label, best[label][0]) if best else None


def month_first(language: str | None) -> bool:
    """Whether numeric dates on a page in ``language`` (``<html lang>``) are month-first: US
    English, and English without a region."""
    code = (language or "").strip().lower().replace("_", "-")
    return code in {"en", "en-us"}


def _near(day: date, other: date) -> bool:
    return abs((day - other).days) <= 1


_URL_DAY = re.compile(r"/((?:19|20)\d\d)[/-](\d\d)[/-](\d\d)(?:[/-]|$)")
# The Guardian's "/2025/dec/05/slug", a blog's "/2023/october/03/slug".
_URL_NAMED_DAY = re.compile(rf"/((?:19|20)\d\d)/({_MONTH_WORD})/(\d{{1,2}})(?:/|$)",
                            re.IGNORECASE)


def url_day(url: str) -> date | None:
    """The day a URL's path names ("/2025/12/18/slug", "/2025-12-18-slug", "/2025/dec/18/"),
    or None."""
    path = urlsplit(url).path
    match = _URL_DAY.search(path)
    named = None if match else _URL_NAMED_DAY.search(path)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if named:
            return date(int(named[1]), _MONTH[named[2].lower()], int(named[3]))
    except ValueError:
        return None
    return None


def choose(declared: datetime | None, shown: list[Shown], in_url: date | None = None,
           open_graph: bool = False) -> tuple[datetime | date | None, str]:
    """The publication date: ``declared`` (the markup's, with its time) or a day the header
    shows, by the rules of the module docstring, None when neither gives one; and the name of
    the rule that chose it: "url", "declared-shown", "shown-published", "shown-first",
    "shown-override", "shown-updated", "declared" or "none".

    A day in the URL (``url_day``) one off the declared one is the same moment in the site's
    own time zone: the CMS wrote the URL in local time, the markup in UTC. ``open_graph``: the
    declared date has an Open Graph ``article:published_time`` behind it (a header that shows
    only an "Updated" day does not override it).
    """
    if declared is not None and in_url is not None and _near(declared.date(), in_url):
        return (declared if declared.date() == in_url else in_url), "url"
    if declared is None and in_url is not None and (
            not shown or any(in_url in s.days for s in shown)):
        # Without markup, the URL's day settles which reading of "03/10/2023" the page meant.
        return in_url, "url"
    if declared is not None:
        day = declared.date()
        if any(_near(day, d) for s in shown for d in s.days):
            return declared, "declared-shown"
    labelled = [s for s in shown if s.label == "published"]
    if labelled:
        return labelled[0].days[0], "shown-published"
    if declared is None:
        return (shown[0].days[0], "shown-first") if shown else (None, "none")
    unlabelled = [s for s in shown if not s.label and 0 <= s.offset < OVERRIDE_CHARS]
    if unlabelled:
        return unlabelled[0].days[0], "shown-override"
    updated = [s.days[0] for s in shown if s.label == "updated" and s.days[0] > declared.date()]
    if updated and not open_graph:
        return updated[0], "shown-updated"
    return declared, "declared"

