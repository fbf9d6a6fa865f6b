"""The labelled story set loaded into a warehouse night by night, and scored against its labels.

``load_storyset`` writes one run folder per night (``articles.parquet`` as the extraction stage
writes it, with ``pipeline.extraction.ARTICLE_SCHEMA`` and its ``story`` features) and loads each
with ``load_run``, in order: the warehouse sees the set as it would have arrived. ``evaluate``
reads the warehouse back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bench.sql import bench_sql
from bench.storyset import (
    LabelledArticle,
    articles,
    bcubed,
    copy_groups,
    first_publishers,
    nights,
    pairwise,
)
from khabar.run.layout import RunFolder
from khabar.run.schemas import ARTICLE_SCHEMA
from transforms.dedup import content_hash, minhash_signature
from transforms.story import features_row
from warehouse.load import load_run


def _row(art: LabelledArticle, version: int, run_id: str, fetched) -> dict:
    title, text = (art.title, art.text) if version == 0 else art.versions[version - 1]
    return {
        "run_id": run_id, "outlet": art.outlet, "url": art.url, "canonical_url": art.url,
        "http_status": 200, "fetched_at": fetched, "verdict": "article", "reason": None,
        "title": title, "subtitle": None, "authors": [], "published_at": art.published_at,
        "modified_at": None, "language": art.language, "categories": [], "tags": [],
        "description": None, "image": None, "paragraphs": text.split("\n\n"), "text": text,
        "word_count": len(text.split()), "extractor": "storyset", "extractor_version": "1",
        "original_outlet": art.original_outlet,
        "original_published_at": art.original_published_at, "original_url": art.original_url,
        "content_hash": content_hash(text), "minhash": minhash_signature(text),
        "story": features_row(title, text, art.language),
    }


def write_nights(root: Path, items: list[LabelledArticle] | None = None) -> list[tuple[str, Path]]:
    """One run folder per night under ``root``: ``[(run_id, run_dir)]`` in load order."""
    runs = []
    for number, (fetched, batch) in enumerate(nights(items), start=1):
        run_id = f"storyset-{number:02d}"
        run_dir = root / run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        rows = [_row(art, version, run_id, fetched) for art, version in batch]
        pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA),
                       RunFolder(run_dir).articles)
        runs.append((run_id, run_dir))
    return runs


def load_storyset(con: duckdb.DuckDBPyConnection, root: Path) -> list[tuple[str, Path]]:
    """Write the nights under ``root`` and load them in order; returns the runs."""
    runs = write_nights(root)
    for run_id, run_dir in runs:
        load_run(con, run_id, run_dir)
    return runs


@dataclass
class Quality:
    """The labelled set's scores, as the goals of issue 14 name them."""

    copies: tuple[float, float, float]  # pairwise precision, recall, F1 of copy groups
    stories: tuple[float, float, float]  # pairwise precision, recall, F1 of stories
    bcubed: tuple[float, float, float]  # B-cubed precision, recall, F1 of stories
    copies_linked: int  # copies whose duplicate_of is their labelled original
    copies_total: int
    negative_delays: int  # story_timeline rows with a negative delay (never expected)
    first_right: int  # multi-article stories whose labelled first article names its story
    stories_whole: int  # multi-article stories found as one story, not split
    stories_total: int
    languages: dict[str, tuple[float, float, float]]  # stories pairwise P/R/F1 per language
    misplaced: list[str]  # what went wrong, for a reader


def evaluate(con: duckdb.DuckDBPyConnection) -> Quality:
    """Score the warehouse's copies and stories against the labels."""
    items = articles()
    by_url = {a.url: a for a in items}
    rows = con.execute(bench_sql("select_article_groups")).fetchall()
    ids = {url: art_id for url, art_id, _, _ in rows}
    label_of = {art_id: by_url[url].id for url, art_id, _, _ in rows}
    story = {by_url[url].id: story_id for url, _, story_id, _ in rows}
    copy_of = {by_url[url].id: (label_of.get(dup) if dup else None) for url, _, _, dup in rows}
    truth_story = {a.id: a.story for a in items}
    misplaced = []
    # Copy groups found: components of duplicate_of links.
    parent = dict(copy_of)

    def root(item: str) -> str:
        seen = set()
        while parent.get(item) and item not in seen:
            seen.add(item)
            item = parent[item]
        return item

    found_copies = {a.id: root(a.id) for a in items}
    linked = sum(1 for a in items if a.copy_of and copy_of.get(a.id) == a.copy_of)
    for a in items:
        if a.copy_of and copy_of.get(a.id) != a.copy_of:
            misplaced.append(f"copy {a.id}: points at {copy_of.get(a.id)}, not {a.copy_of}")
        if not a.copy_of and copy_of.get(a.id):
            misplaced.append(f"{a.id} is no copy but points at {copy_of[a.id]}")
    firsts = first_publishers(items)
    sizes: dict[str, int] = {}
    for a in items:
        sizes[a.story] = sizes.get(a.story, 0) + 1
    first_right = whole = 0
    multi = [s for s, n in sizes.items() if n > 1]
    for name in multi:
        first = next(a for a in items if a.id == firsts[name])
        expected = ids[first.url]
        found = {story[a.id] for a in items if a.story == name}
        # Right when the story holding the labelled first article is named after it (it was
        # found to be first); a story split in two is counted by the pairwise scores.
        first_right += story[first.id] == expected
        whole += len(found) == 1
        if found != {expected}:
            misplaced.append(f"story {name}: story ids {sorted(found)}, first {expected}")
    negative = con.execute(bench_sql("select_negative_delay_count")).fetchone()[0]
    languages = {}
    for language in ("fr", "ar", "en"):
        mine = {k: v for k, v in truth_story.items() if k.startswith(language + "-")}
        languages[language] = pairwise(mine, story)
    return Quality(
        copies=pairwise(copy_groups(items), found_copies),
        stories=pairwise(truth_story, story),
        bcubed=bcubed(truth_story, story),
        copies_linked=linked,
        copies_total=sum(1 for a in items if a.copy_of),
        negative_delays=negative,
        first_right=first_right,
        stories_whole=whole,
        stories_total=len(multi),
        languages=languages,
        misplaced=misplaced,
    )
