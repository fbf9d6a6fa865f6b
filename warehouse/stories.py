"""Stories: articles grouped by near-duplicate text (MinHash LSH) or by declared copying.

Grouping is recomputed over every stored signature at each load, which keeps it independent of
the order runs were loaded in (an article loaded late can still become a story's first). LSH
makes that linear: about 1 s per 10k signatures for the index, plus reading them back.
A story is named after its first article: the earliest (published_at, else first_seen; ties by
id) that is not itself a copy, since an aggregator may date its copy before the original.
``story_id == first_article_id``, so it only changes when an earlier article joins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb
import pyarrow as pa

from transforms.dedup import near_duplicate_groups
from warehouse.queries import sql

STORY_THRESHOLD = 0.7


def _signatures(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    table = con.execute(sql("select_signatures")).to_arrow_table()
    ids = table.column("article_id").to_pylist()
    return dict(zip(ids, table.column("minhash").to_pylist(), strict=True))


def story_assignment(
    members: Iterable[tuple[str, datetime | None, str | None]],
    groups: Iterable[set[str]],
) -> dict[str, str]:
    """Map each article to its story's first article.

    Args:
        members: (article_id, published or first seen, duplicate_of) for every article.
        groups: near-duplicate groups; ``duplicate_of`` links join groups too.

    Returns:
        article_id -> story_id for every member (a lone article is its own story).
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        root = parent.setdefault(key, key)
        while root != parent[root]:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def union(a: str, b: str) -> None:
        parent[find(b)] = find(a)

    order: dict[str, tuple[bool, bool, float, str]] = {}
    for article_id, published, duplicate_of in members:
        when = published.timestamp() if published else 0.0
        order[article_id] = (duplicate_of is not None, published is None, when, article_id)
        find(article_id)
        if duplicate_of:
            union(article_id, duplicate_of)
    for group in groups:
        first, *rest = sorted(group)
        for other in rest:
            union(first, other)
    firsts: dict[str, str] = {}
    for article_id in order:
        root = find(article_id)
        best = firsts.get(root)
        if best is None or order[article_id] < order[best]:
            firsts[root] = article_id
    return {article_id: firsts[find(article_id)] for article_id in order}


def update_stories(con: duckdb.DuckDBPyConnection, threshold: float = STORY_THRESHOLD) -> int:
    """Regroup all articles into stories and rewrite ``articles.story_id`` and ``stories``.

    Runs inside the caller's transaction. Returns the number of stories.
    """
    groups = near_duplicate_groups(_signatures(con), threshold=threshold)
    members = con.execute(sql("select_story_members")).fetchall()
    mapping = story_assignment(members, groups)
    story_map = pa.table(
        {"article_id": list(mapping), "story_id": list(mapping.values())},
        schema=pa.schema([("article_id", pa.string()), ("story_id", pa.string())]),
    )
    con.register("story_map", story_map)
    try:
        con.execute(sql("update_story_ids"))
    finally:
        con.unregister("story_map")
    con.execute(sql("delete_stories"))
    con.execute(sql("insert_stories"))
    return len(set(mapping.values()))
