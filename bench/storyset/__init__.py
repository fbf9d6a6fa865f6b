"""The labelled story set: hand-written Moroccan-press articles in French, Arabic and English,
with their stories, copies and first publishers (README.md says how it was built and labelled).

``articles()`` turns the three YAML files into articles as the extraction stage would give them
(title, text, dates, aggregator fields) with their labels; ``nights()`` splits them into the
nightly runs a crawler would have made; ``metrics`` scores a grouping against the labels.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

HERE = Path(__file__).parent
LANGUAGES = ("fr", "ar", "en")
CASABLANCA = ZoneInfo("Africa/Casablanca")
DOMAINS = {
    "map_fr": "www.mapexpress.ma/fr", "map_ar": "www.mapexpress.ma/ar",
    "map_en": "www.mapnews.ma/en", "le360": "fr.le360.ma", "le360_ar": "ar.le360.ma",
    "hespress_fr": "fr.hespress.com", "hespress": "www.hespress.com",
    "hespress_en": "en.hespress.com", "medias24": "medias24.com", "lebrief": "www.lebrief.ma",
    "lematin": "lematin.ma", "telquel": "telquel.ma", "lavieeco": "www.lavieeco.com",
    "leseco": "leseco.ma", "h24info": "h24info.ma", "barlamane_fr": "www.barlamane.com/fr",
    "lepetitjournalmarocain": "lepetitjournalmarocain.com", "alyaoum24": "alyaoum24.com",
    "hibapress": "ar.hibapress.com", "alakhbar": "www.alakhbar.press.ma",
    "mwn": "www.moroccoworldnews.com", "northafricapost": "northafricapost.com",
    "maghress_fr": "www.maghress.com/fr", "maghress": "www.maghress.com",
    "allafrica": "allafrica.com",
}
AGGREGATORS = {"maghress_fr", "maghress", "allafrica"}


@dataclass
class LabelledArticle:
    """One article of the set, as extraction would give it, with its labels."""

    id: str  # "<story>/<key>"
    story: str  # label: the story (one event, one language)
    event: str  # label: the event across languages (cross-language linking)
    language: str
    outlet: str
    url: str
    title: str
    text: str
    published_at: datetime
    copy_of: str | None = None  # label: id of the article this one reproduces
    original_url: str | None = None  # declared by an aggregator's note
    original_outlet: str | None = None
    original_published_at: datetime | None = None
    versions: list[tuple[str, str]] = field(default_factory=list)  # later (title, text)


def _local(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=CASABLANCA).astimezone(UTC)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def _midnight(when: datetime) -> datetime:
    """The day-precision date an aggregator prints: midnight, Casablanca time, of that day."""
    day = when.astimezone(CASABLANCA).date()
    return datetime.combine(day, time(0), tzinfo=CASABLANCA).astimezone(UTC)


def _build(story: dict, language: str) -> list[LabelledArticle]:
    made: dict[str, LabelledArticle] = {}
    for spec in story["articles"]:
        key = spec["key"]
        art_id = f"{story['story']}/{key}"
        outlet = spec["outlet"]
        if "copy_of" in spec:  # an aggregator's verbatim copy
            source = made[f"{story['story']}/{spec['copy_of']}"]
            declared = spec.get("declared", True)
            slug = source.outlet.replace("_", "")
            art = LabelledArticle(
                art_id, story["story"], story["event"], language, outlet,
                f"https://{DOMAINS[outlet]}/{slug}/{zlib.crc32(art_id.encode()) % 900000 + 100000}",
                source.title, source.text, _midnight(source.published_at), copy_of=source.id,
                original_url=source.url if declared else None,
                original_outlet=source.outlet if declared else None,
                original_published_at=_midnight(source.published_at) if declared else None,
            )
        else:
            if "rewrite_of" in spec:  # a wire copy: own headline and lead, a paragraph dropped
                source = made[f"{story['story']}/{spec['rewrite_of']}"]
                paragraphs = _paragraphs(source.text)
                drop = spec["drop"] - 1
                kept = [p for i, p in enumerate(paragraphs) if i not in (0, drop)]
                text = "\n\n".join([spec["lead"], *kept])
                copy_of = source.copy_of or source.id
            else:
                text = "\n\n".join(_paragraphs(spec["text"]))
                copy_of = None
            slug = story["story"].split("-", 1)[1]
            art = LabelledArticle(
                art_id, story["story"], story["event"], language, outlet,
                f"https://{DOMAINS[outlet]}/{slug}-{key}", spec["title"].strip(), text,
                _local(spec["at"]), copy_of=copy_of,
            )
            if "update" in spec:
                update = spec["update"]
                new_text = text + ("\n\n" + update["append"] if "append" in update else "")
                art.versions.append((update.get("title", art.title), new_text))
        made[art_id] = art
    return list(made.values())


@cache
def _load() -> tuple[LabelledArticle, ...]:
    out: list[LabelledArticle] = []
    for language in LANGUAGES:
        stories = yaml.safe_load((HERE / f"{language}.yaml").read_text(encoding="utf-8"))
        for story in stories:
            out += _build(story, language)
    ids = [a.id for a in out]
    if len(set(ids)) != len(ids) or len({a.url for a in out}) != len(out):
        raise ValueError("storyset: duplicate article id or URL")
    return tuple(out)


def articles() -> list[LabelledArticle]:
    """Every labelled article (first versions; later ones in ``versions``)."""
    return list(_load())


def nights(items: Iterable[LabelledArticle] | None = None) -> list[tuple[datetime, list]]:
    """The runs a nightly crawl would have made: each article is fetched the night after its
    Casablanca publication day (02:00 local), and each later version one night after that.

    Returns:
        ``(fetched_at, [(article, version index)])`` per night, in order; index 0 is the
        article as first published, ``i`` its ``versions[i - 1]``.
    """
    by_night: dict[datetime, list] = defaultdict(list)
    for art in items if items is not None else articles():
        day = art.published_at.astimezone(CASABLANCA).date()
        for index in range(len(art.versions) + 1):
            when = datetime.combine(day + timedelta(days=1 + index), time(2), tzinfo=CASABLANCA)
            by_night[when.astimezone(UTC)].append((art, index))
    return sorted(by_night.items(), key=lambda item: item[0])


def first_publishers(items: Iterable[LabelledArticle] | None = None) -> dict[str, str]:
    """Label: per story, its earliest article that is not a copy (ties: none in the set)."""
    best: dict[str, LabelledArticle] = {}
    for art in items if items is not None else articles():
        if art.copy_of is None and (
            art.story not in best or art.published_at < best[art.story].published_at
        ):
            best[art.story] = art
    return {story: art.id for story, art in best.items()}


def copy_groups(items: Iterable[LabelledArticle] | None = None) -> dict[str, str]:
    """Label: each article's copy group (the original's id; itself when nothing copies it)."""
    items = list(items if items is not None else articles())
    parent = {a.id: a.copy_of for a in items}

    def root(item: str) -> str:
        while parent.get(item):
            item = parent[item]
        return item

    return {a.id: root(a.id) for a in items}


# --- metrics ----------------------------------------------------------------------------------


def _pairs(assign: Mapping[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item, group in assign.items():
        groups[group].append(item)
    return {(a, b) for members in groups.values() for a in members for b in members if a < b}


def pairwise(truth: Mapping[str, str], found: Mapping[str, str]) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of ``found`` (item -> group) against ``truth``."""
    t, f = _pairs(truth), _pairs({k: found[k] for k in truth})
    precision = len(t & f) / len(f) if f else 1.0
    recall = len(t & f) / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bcubed(truth: Mapping[str, str], found: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 (Bagga and Baldwin 1998), averaged over items."""
    t_groups: dict[str, set[str]] = defaultdict(set)
    f_groups: dict[str, set[str]] = defaultdict(set)
    for item in truth:
        t_groups[truth[item]].add(item)
        f_groups[found[item]].add(item)
    precision = recall = 0.0
    for item in truth:
        same = len(t_groups[truth[item]] & f_groups[found[item]])
        precision += same / len(f_groups[found[item]])
        recall += same / len(t_groups[truth[item]])
    precision, recall = precision / len(truth), recall / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)
