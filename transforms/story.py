"""Story features and the pair scorer: is this pair one text republished (a copy), or the same
event reported twice (one story)? Pure functions of the two articles only.

Two stages, as in candidate-then-rerank systems (NEWS-COPY's two-stage baseline):

1. **Candidates** come from keys an article shares with others published within ``WINDOW_DAYS``:
   its MinHash LSH buckets (``CANDIDATE_BANDS`` bands of ``CANDIDATE_ROWS`` values: a pair of
   wire copies with their own headline and lead and a paragraph dropped, Jaccard 0.4-0.65, is a
   candidate with probability >= 0.93), its verbatim paragraphs (``passage_keys``: a copy
   keeps some of its source's) and its rare entities (names, figures, title words). The
   warehouse joins the keys in SQL (``warehouse.stories``); a pair needs one shared bucket or
   passage, or ``MIN_SHARED_KEYS`` shared entity keys.
2. **The scorer** (``score_pair``) decides: containment of the shorter text in the longer
   (estimated from the MinHash agreement and the two shingle counts), title and lead
   similarity, overlap of names and figures, and the time gap.

A pair's verdict depends on the two articles alone (no corpus statistics, no clock), so the
stories do not depend on the order articles arrived in, and a night's articles are scored
against stored ones without touching anything else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from transforms.dedup import SHINGLE_WORDS, Components, normalized_text

# Candidate window: a copy or a follow-up of an event appears within days, not weeks.
WINDOW_DAYS = 3
# 42 bands of 3 values (126 of the 128): P(candidate) = 1 - (1 - J^3)^42, 0.99 at J = 0.5,
# 0.93 at J = 0.4, 0.04 at J = 0.1 (unrelated texts of one outlet, shared boilerplate).
CANDIDATE_BANDS, CANDIDATE_ROWS = 42, 3
MIN_SHARED_KEYS = 2
# A key held by more than HOT_KEY_SHARE of the articles of the searched days (and more than
# HOT_KEY_MIN: a city every outlet names, a minister in the news all week, an outlet's
# boilerplate band) is skipped as a candidate source: it would pair every article with every
# other (on the generated benchmark corpus, 2,000 articles made 12.6 million key hits and ran
# DuckDB out of memory). Pairs it would have found share rarer keys when they are one story;
# on the labelled set no key is that common. This is the one part that depends on what else is
# stored, so a rebuild can differ from the nights that built a very large warehouse there.
HOT_KEY_SHARE = 0.005
HOT_KEY_MIN = 20
# A copy keeps passages of its source verbatim (a wire rewrite swaps the headline and lead and
# drops a paragraph, the rest is the agency's text): each paragraph of at least
# PASSAGE_MIN_WORDS words is a candidate key that makes a pair a candidate by itself, as an LSH
# bucket does. The buckets estimate Jaccard, not containment: a short dispatch rewritten down to
# one of its paragraphs (Jaccard 0.25) shares a bucket with probability 0.48 only, and in
# Arabic, where no names are found by their capitals, its new headline shares one key at most
# (bench/storyset's ar-neg-bourita-ue/alyaoum24, the one copy missed before). Shorter lines are
# captions, bylines and "read also" links that outlets repeat under every article. At most
# MAX_PASSAGES per article, from the top (aggregators cut long texts at the end).
PASSAGE_MIN_WORDS = 12
MAX_PASSAGES = 16
LEAD_WORDS = 60
MAX_NAMES = 40
MAX_NUMBERS = 30

# Decision thresholds, set on the labelled set (bench/storyset; README there): see score_pair.
COPY_CONTAINMENT = 0.4
COPY_JACCARD = 0.2
STORY_SCORE = 0.27
STORY_MAX_HOURS = 72.0

_STOP = frozenset(
    """
    le la les un une des du de d l à au aux et ou mais donc car ni que qui quoi dont où ce cet
    cette ces son sa ses leur leurs notre nos votre vos mon ma mes il elle ils elles on nous vous
    je tu se s y en ne pas plus moins très tout tous toute toutes autre autres même sur sous dans
    par pour avec sans entre vers chez depuis pendant avant après lors selon contre ainsi alors
    aussi comme si est sont été être avoir a ont avait fait faire peut doit cours lequel
    laquelle lesquels dont celui celle ceux celles ici là déjà encore enfin fin près
    the a an and or but of to in on at by for with from as is are was were be been has have had
    it its this that these those their his her they he she we you not no will would can could
    said says after before over under into about than more most also which who whom whose what
    when where while during between up out new its one two three
    في من إلى الى على عن مع أن ان إن التي الذي الذين هذا هذه ذلك تلك كان كانت يكون قد لقد ثم أو
    او بين حول عند عبر خلال بعد قبل حتى كما أيضا ايضا وهو وهي هو هي هم كل بعض غير لدى منذ ضد
    يوم اليوم السبت الأحد الاثنين الثلاثاء الأربعاء الخميس الجمعة
    lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday
    saturday sunday
    """.split()
)
# Words every Moroccan outlet uses every day: kept as terms, never as candidate keys (compared
# as terms: _COMMON below).
_COMMON_WORDS = (
    """
    maroc marocain marocaine marocains royaume rabat casablanca morocco moroccan kingdom map
    gouvernement government ministre minister ministère ministry national nationale mrs m
    mgharib المغرب المغربية المملكة الحكومة الوزير وزارة الرباط الوطني الوطنية
    """
)
_CAPITALISED = re.compile(r"(?<![^\W\d_])[A-ZÀ-ÖØ-Þ][^\W\d_]*")
_LOWER_CASE = re.compile(r"(?<![^\W\d_])[a-zß-öø-ÿ][^\W\d_]*")
_NUMBER = re.compile(r"\d+(?:(?:[.,]|[ \u00a0\u202f](?=\d{3}(?!\d)))\d+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;«»\"“”\n(])\s*$")
_HAS_ARABIC_DIGIT = re.compile("[٠-٩۰-۹]")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
# The definite article and the conjunctions and prepositions fused before it, longest first:
# cut when at least 3 letters remain ("والمغرب", "بالمغرب", "للمغرب", "المغرب" -> "مغرب").
_ARABIC_ARTICLES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال")
# The conjunction "و" alone is also a word's first root letter in everyday news words ("وزير",
# "وزارة", "وضعية", "وكالة"): cutting it whenever 3 letters remained made "وزير" "زير" but
# "الوزير" "وزير", so one word gave two terms and a 3-letter one too short to be a title key.
# It is cut only when ARABIC_WAW_MIN_STEM letters remain (in bench/storyset's Arabic articles,
# 8 of the 4-letter words that start with "و" are such words, واحد واقع وجدة وحدة ودية وزير
# وضعت وليد, and the 13 that are "و" + a 3-letter word are verbs, وبلغ وسجل ومنح ...) and the
# word does not start with one of the longer root-"و" stems below. The single letters "ب", "ل",
# "ف" are never cut: they begin names (بوريطة، بنسليمان، لقجع، لخضر، فاطمة) and many words.
ARABIC_WAW_MIN_STEM = 4
_ROOT_WAW = tuple(normalized_text(
    "وزار وزراء وطني وضعي وكال ولاي وثيق وثائق وظيف وظائف وسائل وسيل وحدات وقائع واجه واشنطن "
    "ورزازات").translate(_ARABIC_FOLD).split())  # as _term sees them: hamza seats folded


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What the scorer reads of an article (the warehouse keeps it in ``story_features``)."""

    language: str
    title: tuple[str, ...]  # distinct content words of the title, normalised
    lead: tuple[str, ...]  # distinct content words of the first LEAD_WORDS words of the text
    names: tuple[str, ...]  # capitalised words and acronyms of the text (Latin scripts)
    numbers: tuple[str, ...]  # figures of the text in one canonical form (not years)
    shingles: int  # distinct word 5-shingles: the set size behind the MinHash signature


@dataclass(frozen=True, slots=True)
class PairScore:
    """The scorer's reading of a pair, and its verdict: ``copy``, ``story`` or ``None``."""

    kind: str | None
    jaccard: float
    containment: float
    title: float
    lead: float
    entities: float
    shared: int
    hours: float
    score: float


def _term(word: str) -> str:
    """A normalised word with Arabic letter variants folded and the article/conjunction
    prefixes cut: ``والمغرب``, ``بالمغرب``, ``المغرب`` are one term, and so are ``وزير``,
    ``الوزير``, ``ووزير`` (see ``ARABIC_WAW_MIN_STEM``)."""
    if word and "\u0600" <= word[0] <= "\u06ff":
        word = word.translate(_ARABIC_FOLD)
        for prefix in _ARABIC_ARTICLES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                return word[len(prefix):]
        if (word.startswith("و") and len(word) > ARABIC_WAW_MIN_STEM
                and not word.startswith(_ROOT_WAW)):
            return word[1:]
    return word


# The common words as the terms they are compared with: the Arabic ones written whole
# ("المغرب", "وزارة") never matched a term ("مغرب", "وزاره"), so they were title keys.
_COMMON = frozenset(_term(word) for word in normalized_text(_COMMON_WORDS).split())


def content_terms(text: str, limit: int | None = None, *,
                  words: list[str] | None = None) -> tuple[str, ...]:
    """Distinct content words of ``text`` (first ``limit`` words only), in order; ``words``:
    the normalised text's words, when the caller has them already."""
    if words is None:
        words = normalized_text(text).split()
    if limit is not None:
        words = words[:limit]
    seen: dict[str, None] = {}
    for word in words:
        if len(word) < 3 or word.isdigit() or word in _STOP:
            continue
        seen.setdefault(_term(word), None)
    return tuple(seen)


def canonical_number(raw: str) -> str | None:
    """``48.300``, ``48,300`` and ``48 300`` -> ``48300``; ``2,25`` -> ``2.25``; identifiers
    such as ``2.26.814`` keep their groups. One-digit numbers and years 1990-2039 -> None."""
    groups = re.split(r"[.,\s\u00a0\u202f]", raw.translate(_ARABIC_DIGITS))
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        value = "".join(groups).lstrip("0") or "0"
    elif len(groups) == 2:
        value = f"{groups[0].lstrip('0') or '0'}.{groups[1]}"
    else:
        value = ".".join(groups)
    if len(value) < 2 or (len(value) == 4 and value.isdigit() and 1990 <= int(value) <= 2039):
        return None
    return value


def _names(text: str) -> list[str]:
    """Capitalised words (not sentence-initial unless followed by another) and acronyms."""
    # Regexes find the capitalised and the lower-case words in C: a Python loop over every
    # word was most of the feature time (1 ms an article of 500 words).
    matches = list(_CAPITALISED.finditer(text))
    if not matches:
        return []
    lowered = set(_LOWER_CASE.findall(text))
    found: dict[str, int] = {}
    keys: dict[str, str] = {}
    for i, match in enumerate(matches):
        word = match.group(0)
        if len(word) < 2:
            continue
        acronym = word.isupper()
        if not acronym and (len(word) < 3 or word.lower() in lowered):
            continue
        key = keys.get(word)
        if key is None:
            key = keys[word] = word.lower() if word.isascii() else normalized_text(word)
        if key in _STOP:
            continue
        start = match.start()
        if not acronym and _SENTENCE_START.search(text[max(0, start - 3): start] or "\n"):
            # Kept only when the next word is capitalised too (a name: "Brahim Diaz a ...").
            following = matches[i + 1] if i + 1 < len(matches) else None
            if following is None or text[match.end(): following.start()].strip():
                continue
        found[key] = found.get(key, 0) + 1
    return sorted(found, key=lambda k: (-found[k], k))[:MAX_NAMES]


def _numbers(text: str) -> list[str]:
    found: dict[str, None] = {}
    if _HAS_ARABIC_DIGIT.search(text):  # translating every text costs more than the search
        text = text.translate(_ARABIC_DIGITS)
    for match in _NUMBER.finditer(text):
        value = canonical_number(match.group(0))
        if value is not None:
            found.setdefault(value, None)
    return list(found)[:MAX_NUMBERS]


def shingle_count(text: str, *, words: list[str] | None = None) -> int:
    """Distinct word 5-shingles of the normalised text (as ``minhash_signature`` makes them)."""
    if words is None:
        words = normalized_text(text).split()
    if len(words) <= SHINGLE_WORDS:
        return 1 if words else 0
    return len({tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)})


def story_features(title: str | None, text: str | None, language: str | None) -> StoryFeatures:
    """The features of one article (title and extracted text)."""
    title, text = title or "", text or ""
    words = normalized_text(text).split()
    return StoryFeatures(
        language=language or "",
        title=content_terms(title),
        lead=content_terms(text, LEAD_WORDS, words=words),
        names=tuple(_names(text)),
        numbers=tuple(_numbers(text)),
        shingles=shingle_count(text, words=words),
    )


def features_row(title: str | None, text: str | None, language: str | None) -> dict:
    """The ``story`` column of an extraction row: the features and entity keys of the article,
    computed by the extraction workers (in parallel) so the load only copies them."""
    made = story_features(title, text, language)
    return {"title": list(made.title), "lead": list(made.lead), "names": list(made.names),
            "numbers": list(made.numbers), "shingles": made.shingles,
            "keys": candidate_keys(made, text)}


def _key(kind: str, value: str) -> int:
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # < 2**63: fits every integer type


def entity_keys(features: StoryFeatures) -> list[int]:
    """Candidate keys of an article besides its LSH buckets: its names, figures and title
    words, less the words every outlet uses daily. A pair sharing ``MIN_SHARED_KEYS`` of them
    (within ``WINDOW_DAYS``) is scored."""
    lang = features.language
    keys = {_key("n", n) for n in features.names if n not in _COMMON}
    keys |= {_key("#", n) for n in features.numbers}
    keys |= {_key("t" + lang, t) for t in features.title if t not in _COMMON and len(t) >= 4}
    return sorted(keys)


def passage_keys(text: str | None) -> list[int]:
    """Keys of the text's verbatim passages: each paragraph of at least ``PASSAGE_MIN_WORDS``
    normalised words (the first ``MAX_PASSAGES`` of them).

    A passage is stored as ``MIN_SHARED_KEYS`` keys (one per salt): the candidate search counts
    shared keys, so one shared passage makes a pair a candidate alone, while the run folder's
    ``story.keys`` and the warehouse's ``story_keys`` keep one list of keys.
    """
    keys: set[int] = set()
    found = 0
    for paragraph in (text or "").split("\n"):
        words = normalized_text(paragraph).split()
        if len(words) < PASSAGE_MIN_WORDS:
            continue
        passage = " ".join(words)
        keys.update(_key(f"p{salt}", passage) for salt in range(MIN_SHARED_KEYS))
        found += 1
        if found == MAX_PASSAGES:
            break
    return sorted(keys)


def candidate_keys(features: StoryFeatures, text: str | None) -> list[int]:
    """Every candidate key of an article besides its LSH buckets: ``entity_keys`` and
    ``passage_keys``."""
    return sorted(set(entity_keys(features)) | set(passage_keys(text)))


def _overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """|A ∩ B| / min(|A|, |B|): a short headline inside a long one still counts."""
    if not a or not b:
        return 0.0
    return len(set(a) & set(b)) / min(len(set(a)), len(set(b)))


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def signature_agreement(a: Sequence[int], b: Sequence[int]) -> float:
    """Share of equal MinHash values: the estimated Jaccard similarity of the shingle sets."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def containment(jaccard: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller shingle set inside the larger, from the Jaccard estimate
    and the two set sizes: |A ∩ B| = J (|A| + |B|) / (1 + J)."""
    smaller = min(size_a, size_b)
    if smaller <= 0:
        return 0.0
    return min(1.0, jaccard * (size_a + size_b) / (1 + jaccard) / smaller)


def score_pair(
    a: StoryFeatures,
    b: StoryFeatures,
    signature_a: Sequence[int],
    signature_b: Sequence[int],
    published_a: datetime | None,
    published_b: datetime | None,
    same_outlet: bool = False,
    cross_language: bool = False,
    jaccard: float | None = None,
) -> PairScore:
    """Decide whether two articles are one text (``copy``), one event (``story``) or neither.

    * ``copy``: the smaller text's shingles lie mostly in the larger one (containment >=
      ``COPY_CONTAINMENT`` and Jaccard >= ``COPY_JACCARD``), from two outlets. An outlet's own
      re-post or rewrite of its article is not a copy (it is the same story).
    * ``story``: within ``STORY_MAX_HOURS``, a weighted score of headline overlap, lead-word
      Jaccard, name-and-figure overlap and text containment reaches ``STORY_SCORE``, with at
      least two shared names or figures (a shared minister alone never makes one story: the
      labelled set's hard negatives share their people and their day). Shared headline words
      count as well: Arabic has no capital letters to find names by.

    Articles in two languages are never linked (their words cannot be compared) unless
    ``cross_language``: then names and figures alone decide (the stretch measurement of
    ``bench.stories``, not the warehouse's grouping). ``jaccard``: the signatures' agreement,
    when the caller computed it already (the warehouse does, for a batch of pairs at once).
    """
    language_ok = a.language == b.language or not a.language or not b.language
    if not language_ok:
        jaccard = 0.0
    elif jaccard is None:
        jaccard = signature_agreement(signature_a, signature_b)
    contained = containment(jaccard, a.shingles, b.shingles)
    hours = (
        abs((published_a - published_b).total_seconds()) / 3600
        if published_a is not None and published_b is not None
        else 0.0
    )
    names = set(a.names) & set(b.names)
    numbers = set(a.numbers) & set(b.numbers)
    headline = (set(a.title) & set(b.title)) - names - _COMMON if language_ok else set()
    shared = len(names) + len(numbers) + len(headline)
    weight_a = len(a.names) + 2 * len(a.numbers)
    weight_b = len(b.names) + 2 * len(b.numbers)
    smaller = min(weight_a, weight_b)
    entities = min(1.0, (len(names) + 2 * len(numbers)) / smaller) if smaller else 0.0
    title = _overlap(a.title, b.title) if language_ok else 0.0
    lead = _jaccard(a.lead, b.lead) if language_ok else 0.0
    score = 0.25 * title + 0.25 * lead + 0.35 * entities + 0.15 * min(1.0, 2 * contained)
    kind = None
    if not language_ok and not cross_language:
        pass
    elif contained >= COPY_CONTAINMENT and jaccard >= COPY_JACCARD:
        kind = "story" if same_outlet else "copy"
    elif hours <= STORY_MAX_HOURS and shared >= 2 and score >= STORY_SCORE:
        kind = "story"
    return PairScore(kind, jaccard, contained, title, lead, entities, shared, hours, score)


# --- grouping ---------------------------------------------------------------------------------

CASABLANCA = ZoneInfo("Africa/Casablanca")


@dataclass(frozen=True, slots=True)
class Member:
    """An article to place in a story (what picks originals and first publishers)."""

    article_id: str
    outlet: str
    published_at: datetime | None
    first_seen: datetime


def published_bounds(published_at: datetime | None, first_seen: datetime) -> tuple[datetime,
                                                                                    datetime]:
    """(earliest, latest) moment the article can have appeared.

    A date at exactly midnight, Casablanca time, is a day-precision date (an aggregator prints
    "le 21 - 11 - 2026"; a page may declare a date without a time): the article appeared that
    day, at or after midnight and before the next midnight and before we first saw it. Any
    other date is taken as exact. No date: when we first saw it.
    """
    if published_at is None:
        return first_seen, first_seen
    local = published_at.astimezone(CASABLANCA)
    if local.time() != time(0):
        return published_at, published_at
    next_day = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=CASABLANCA)
    return published_at, max(published_at, min(next_day, first_seen))


def assign_stories(
    members: Sequence[Member], links: Sequence[tuple[str, str, str, float | None]]
) -> dict[str, tuple[str, str | None]]:
    """Each article's story and, for a copy, the article it reproduces.

    Args:
        members: every article of the stories to (re)build.
        links: ``(article_id, other_id, kind, containment)`` among them; ``kind`` is ``copy``,
            ``story`` or ``declared`` (``article_id`` names ``other_id`` as its original).

    Returns:
        article_id -> (story_id, duplicate_of). A story is a connected component of links, named
        after its first article: the earliest (by the latest moment it can have appeared, see
        ``published_bounds``; ties by id) that is not a copy. A copy points at the original it
        declares; else, in its copy group (components of ``copy`` and ``declared`` links), at
        the earlier article its text is most contained in (an aggregator's verbatim copy of a
        wire rewrite points at the rewrite, not at the wire), else at the group's earliest
        article; never at its own outlet, and not at all when the group's earliest article is
        its own outlet's (a re-post of an outlet's own text is no copy).
    """
    stories = Components()
    copies = Components()
    declared: dict[str, str] = {}
    known = {m.article_id for m in members}
    sources: dict[str, list[tuple[float, str]]] = {}
    for a, b, kind, contained in links:
        if a not in known or b not in known:
            continue
        stories.union(a, b)
        if kind in ("copy", "declared"):
            copies.union(a, b)
        if kind == "declared":
            declared[a] = min(declared.get(a, b), b)
        if kind == "copy":
            sources.setdefault(a, []).append((contained or 0.0, b))
            sources.setdefault(b, []).append((contained or 0.0, a))
    latest = {m.article_id: published_bounds(m.published_at, m.first_seen)[1] for m in members}
    outlet = {m.article_id: m.outlet for m in members}

    def order(article_id: str, is_copy: bool) -> tuple[bool, datetime, str]:
        return (is_copy, latest[article_id], article_id)

    originals: dict[object, str] = {}
    for m in members:
        root = copies.find(m.article_id)
        best = originals.get(root)
        mine = order(m.article_id, m.article_id in declared)
        if best is None or mine < order(best, best in declared):
            originals[root] = m.article_id
    duplicate_of: dict[str, str | None] = {}
    for m in members:
        mine = order(m.article_id, m.article_id in declared)
        earlier = [
            (-contained, order(other, other in declared), other)
            for contained, other in sources.get(m.article_id, ())
            if order(other, other in declared) < mine and outlet[other] != m.outlet
        ]
        first = originals[copies.find(m.article_id)]
        original = declared.get(m.article_id)
        if original is None and first != m.article_id and outlet[first] != m.outlet:
            original = min(earlier)[2] if earlier else first
        if original is not None and outlet[original] == m.outlet:
            original = None
        duplicate_of[m.article_id] = original
    firsts: dict[object, str] = {}
    for m in members:
        root = stories.find(m.article_id)
        best = firsts.get(root)
        mine = order(m.article_id, duplicate_of[m.article_id] is not None)
        if best is None or mine < order(best, duplicate_of[best] is not None):
            firsts[root] = m.article_id
    return {
        m.article_id: (firsts[stories.find(m.article_id)], duplicate_of[m.article_id])
        for m in members
    }
