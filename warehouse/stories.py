"""Stories: articles grouped by near-duplicate text (MinHash LSH) or by declared copying.

The LSH index lives in the warehouse (``signature_bands``: each signature's bands, hashed) with
the pairs it found (``near_duplicates``), so a load compares only the signatures it touched with
the stored ones, by a join, instead of re-indexing every signature in Python each night. Pairs
depend only on the two signatures, so the index (hence the grouping) does not depend on the order
runs were loaded in; a full rebuild gives the same rows, and ``near_duplicate_groups`` the same
pairs (``tests/test_warehouse.py`` checks both).

A story is a connected component of near-duplicate pairs and ``duplicate_of`` links, named after
its first article: the earliest (published_at, else first_seen; ties by id) that is not itself a
copy, since an aggregator may date its copy before the original. ``story_id ==
first_article_id``, so it only changes when an earlier article joins. Only articles in some pair
or link go through Python; every other article is its own story, set in SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.dedup import NUM_PERM
from warehouse.queries import sql

STORY_THRESHOLD = 0.7
# transforms.dedup.lsh_bands(STORY_THRESHOLD, NUM_PERM), i.e. datasketch's MinHashLSH cut (14
# bands of 9 values); written out because asking datasketch costs every process ~1 s of imports.
# tests/test_warehouse.py checks that they agree.
BANDS, ROWS = 14, 9
# Signatures banded per query: bounds what a full rebuild holds (50,000 x 1 KB signatures).
_PART = 50_000
# FNV-1a constants, applied to whole 64-bit values: a band's bucket only has to spread well,
# since a shared bucket is confirmed by comparing the band's values themselves.
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def story_assignment(
    members: Iterable[tuple[str, int | None, str | None]],
    groups: Iterable[Collection[str]],
) -> dict[str, str]:
    """Map each article to its story's first article.

    Args:
        members: (article_id, published else first seen in µs since the epoch, duplicate_of)
            for every article to place.
        groups: near-duplicate groups (or pairs); ``duplicate_of`` links join groups too.

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

    order: dict[str, tuple[bool, bool, int, str]] = {}
    for article_id, published, duplicate_of in members:
        when = 0 if published is None else published
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


def band_rows(signatures: pa.Table) -> pa.Table:
    """``signature_bands`` rows of ``(article_id, minhash)`` rows: one per article and band.

    Band ``b`` is the values ``[b * ROWS, (b + 1) * ROWS)`` (MinHashLSH's cut); its bucket hashes
    them. Vectorised, because a full rebuild bands every stored signature.
    """
    count = signatures.num_rows
    values = signatures.column("minhash").combine_chunks().flatten().to_numpy()
    bands = values.reshape(count, NUM_PERM)[:, : BANDS * ROWS].reshape(count, BANDS, ROWS)
    bucket = np.full((count, BANDS), _FNV_OFFSET, dtype=np.uint64)
    for row in range(ROWS):
        bucket ^= bands[:, :, row]
        bucket *= _FNV_PRIME
    return pa.table(
        {
            "article_id": pc.take(
                signatures.column("article_id"), np.repeat(np.arange(count), BANDS)
            ),
            "band": pa.array(np.tile(np.arange(BANDS, dtype=np.uint8), count)),
            "bucket": pa.array(bucket.ravel()),
        }
    )


def update_story_index(
    con: duckdb.DuckDBPyConnection, changed: Iterable[str] | None = None
) -> None:
    """Bring ``signature_bands`` and ``near_duplicates`` up to date with ``article_signatures``.

    Args:
        con: connection, inside the caller's transaction.
        changed: every article whose signature was written or deleted since the last update
            (extra ids are harmless); ``None`` rebuilds the whole index. An index out of step
            with the signatures (a database migrated to this version, say) is rebuilt anyway.

    Raises:
        ValueError: a signature does not have ``NUM_PERM`` values.
    """
    if changed is not None:
        ids = pa.table({"article_id": pa.array(list(changed), pa.string())})
        con.register("changed_rows", ids)
        try:
            con.execute(sql("stage_story_changes"))
        finally:
            con.unregister("changed_rows")
        signatures, bands = con.execute(sql("select_story_index_counts")).fetchone()
    if changed is None or bands != signatures * BANDS:
        con.execute(sql("stage_all_story_changes"))
    bad = con.execute(sql("select_misshapen_signatures"), {"num_perm": NUM_PERM}).fetchone()
    if bad:
        raise ValueError(f"signature of {bad[0]!r} has {bad[1]} values, not {NUM_PERM}")
    con.execute(sql("delete_changed_bands"))
    con.execute(sql("delete_changed_near_duplicates"))
    changes = con.execute(sql("select_story_change_count")).fetchone()[0]
    parts = max(1, -(-changes // _PART))
    for part in range(parts):
        where = {"parts": parts, "part": part}
        signatures = con.execute(sql("select_changed_signatures"), where).to_arrow_table()
        if signatures.num_rows:
            con.register("band_rows", band_rows(signatures))
            try:
                con.execute(sql("insert_changed_bands"))
            finally:
                con.unregister("band_rows")
    con.execute(
        sql("insert_changed_near_duplicates"), {"rows": ROWS, "threshold": STORY_THRESHOLD}
    )
    # Temp tables go with the transaction if anything fails: dropped here on success only.
    con.execute(sql("drop_story_changes"))


def update_stories(con: duckdb.DuckDBPyConnection, changed: Iterable[str] | None = None) -> int:
    """Regroup articles into stories: rewrite ``articles.story_id`` and ``stories`` where needed.

    Runs inside the caller's transaction. Reads every near-duplicate pair and copy link (few),
    but writes only the story ids and story rows that change.

    Args:
        con: read-write connection.
        changed: articles whose signature changed since the last call (see
            ``update_story_index``); ``None`` rebuilds the index from every signature.

    Returns:
        The number of stories.
    """
    update_story_index(con, changed)
    pairs = con.execute(sql("select_near_duplicates")).fetchall()
    members = con.execute(sql("select_story_members")).fetchall()
    mapping = story_assignment(members, pairs)
    story_map = pa.table(
        {"article_id": list(mapping), "story_id": list(mapping.values())},
        schema=pa.schema([("article_id", pa.string()), ("story_id", pa.string())]),
    )
    con.register("story_map", story_map)
    try:
        con.execute(sql("update_story_ids"))
        con.execute(sql("reset_story_ids"))
    finally:
        con.unregister("story_map")
    con.execute(sql("stage_wanted_stories"))
    con.execute(sql("delete_changed_stories"))
    con.execute(sql("insert_stories"))
    con.execute(sql("drop_wanted_stories"))
    return con.execute(sql("select_story_count")).fetchone()[0]
