"""Copies and stories, kept up to date incrementally after each load.

The story graph lives in the warehouse (migration 0018): each article's features
(``story_features``) and candidate keys (``story_keys``: MinHash LSH buckets and entity keys,
with the publication day), and the pairs the scorer kept (``story_links``: ``copy``, ``story``,
``declared``). A load touches only what its articles reach:

1. the changed articles' features and keys are recomputed (``transforms.story``);
2. their candidates are found by a join on keys limited to nearby days (the day filter lets
   DuckDB skip other days' row groups, so a night costs the same on 10k or 1M stored articles);
3. ``transforms.story.score_pair`` decides each candidate pair; declared aggregator copies are
   linked by URL;
4. the stories those articles belonged to or join now are regrouped
   (``transforms.story.assign_stories``): story ids, ``duplicate_of`` and ``stories`` rows are
   written where they change.

A pair's verdict depends on its two articles only, so the result does not depend on the order
runs were loaded in, and equals a rebuild (``update_stories(con)``; tests check both).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from transforms import story
from transforms.dedup import NUM_PERM
from transforms.versions import text_changes
from warehouse.queries import one, sql
from warehouse.story_features import (
    band_keys,
    complete_features,
    day_ranges,
    signature_matrix,
    write_features,
)

__all__ = ["band_keys", "complete_migrated_features", "update_stories"]

# Articles whose features are computed per query, and changed articles whose candidates are
# searched per query (a slice of days at a time): bounds what a rebuild holds in memory.
_PART = 20_000
_SLICE_DAYS = 4
_LINKS = pa.schema([("article_id", pa.string()), ("other_id", pa.string()),
                    ("kind", pa.string()), ("score", pa.float64()),
                    ("containment", pa.float64())])
_MAP = pa.schema([("article_id", pa.string()), ("story_id", pa.string()),
                  ("duplicate_of", pa.string()), ("old_story_id", pa.string())])
_CHANGES = pa.schema([
    ("article_id", pa.string()), ("version", pa.int32()), ("seen_at", pa.timestamp("us", "UTC")),
    ("title_before", pa.string()), ("title_after", pa.string()),
    ("removed", pa.list_(pa.string())), ("added", pa.list_(pa.string())), ("diff", pa.string()),
])


def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, statement: str,
              params: dict | None = None) -> None:
    """Run ``statement`` (its text) with ``table`` registered as ``name``."""
    con.register(name, table)
    try:
        con.execute(statement, params or {})
    finally:
        con.unregister(name)


def _day_slices(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """Ranges of at most ``_SLICE_DAYS`` days holding at most about ``_PART`` changed articles.

    The key join matches a key's every holder in the slice's range before the day filter, so a
    slice spanning many days costs more per article: a rebuild of 16,000 articles (8 days) in
    one slice cost 1.8 ms an article against 1.4 ms for 4,000 (2 days).
    """
    return day_ranges(con.execute(sql("stories", "select_story_change_days")).fetchall(), _PART,
                      _SLICE_DAYS)


def _pair_features(con: duckdb.DuckDBPyConnection, ids: list[str], first: int, last: int
                   ) -> tuple[dict[str, tuple[story.StoryFeatures, str, datetime | None, int]],
                              np.ndarray]:
    """The scorer's reading of each listed article published on days ``[first, last]``:
    id -> (features, outlet, published, signature row), and the signatures (the last row,
    ``0..NUM_PERM-1``, stands for "no signature" and agrees with none)."""
    con.register("wanted_ids", pa.table({"article_id": pa.array(ids, pa.string())}))
    try:
        rows = con.execute(sql("stories", "select_story_pair_features"),
                           {"first": first, "last": last}).to_arrow_table()
    finally:
        con.unregister("wanted_ids")
    found_ids = rows["article_id"].to_pylist()
    signed = rows["minhash"].is_valid().to_numpy(zero_copy_only=False)
    signatures = np.zeros((int(signed.sum()) + 1, NUM_PERM), dtype=np.uint64)
    signatures[-1] = np.arange(NUM_PERM)
    rows_signed = rows.filter(rows["minhash"].is_valid())
    signatures[:-1] = signature_matrix(rows_signed["article_id"].to_pylist(),
                                       rows_signed["minhash"])
    slot = np.full(len(found_ids), -1)
    slot[signed] = np.arange(int(signed.sum()))
    columns = [rows[c].to_pylist() for c in ("language", "title", "lead", "names", "numbers",
                                             "shingles", "outlet", "published")]
    found: dict[str, tuple[story.StoryFeatures, str, datetime | None, int]] = {}
    for i, (language, title, lead, names, numbers, shingles, outlet, when) in enumerate(
            zip(*columns, strict=True)):
        features = story.StoryFeatures(language or "", tuple(title), tuple(lead), tuple(names),
                                       tuple(numbers), shingles)
        found[found_ids[i]] = (features, outlet, when, int(slot[i]))
    return found, signatures


def _score(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]], first: int,
           last: int) -> None:
    """Score candidate pairs (both articles published on days ``[first, last]``) and store the
    links the scorer keeps."""
    if not pairs:
        return
    found, signatures = _pair_features(con, sorted({a for pair in pairs for a in pair}),
                                       first, last)
    pairs = [(a, b) for a, b in pairs if a in found and b in found]
    if not pairs:
        return
    # The signatures' agreement of every pair at once (the per-pair Python loop was a third of
    # the scoring time).
    left = np.array([found[a][3] for a, _ in pairs])
    right = np.array([found[b][3] for _, b in pairs])
    agreement = (signatures[left] == signatures[right]).mean(axis=1)
    agreement[(left == -1) | (right == -1)] = 0.0
    links = []
    for (a, b), jaccard in zip(pairs, agreement.tolist(), strict=True):
        fa, oa, ta, _ = found[a]
        fb, ob, tb, _ = found[b]
        verdict = story.score_pair(fa, fb, (), (), ta, tb, same_outlet=oa == ob,
                                   jaccard=jaccard)
        if verdict.kind:
            links.append({"article_id": a, "other_id": b, "kind": verdict.kind,
                          "score": round(verdict.score, 4),
                          "containment": round(verdict.containment, 4)})
    _register(con, "link_rows", pa.Table.from_pylist(links, schema=_LINKS),
              sql("stories", "insert_story_links"))


def _links(con: duckdb.DuckDBPyConnection) -> None:
    """Candidates of the changed articles, a slice of days at a time, scored into links."""
    for first, last in _day_slices(con):
        pairs = con.execute(sql("stories", "select_story_candidates"), {
            "first": first, "last": last, "window": story.WINDOW_DAYS,
            "hot_share": story.HOT_KEY_SHARE, "hot_min": story.HOT_KEY_MIN,
            "min_keys": story.MIN_SHARED_KEYS}).fetchall()
        _score(con, sorted(set(pairs)), first - story.WINDOW_DAYS, last + story.WINDOW_DAYS)
    con.execute(sql("stories", "insert_declared_links"))


def _regroup(con: duckdb.DuckDBPyConnection) -> None:
    """Story ids, copy links and story rows of every article the changes can have moved."""
    con.execute(sql("stories", "stage_story_members"))
    rows = con.execute(sql("stories", "select_story_members")).fetchall()
    links = con.execute(sql("stories", "select_story_member_links")).fetchall()
    members = [story.Member(a, outlet, published, seen) for a, outlet, published, seen, _ in rows]
    placed = story.assign_stories(members, links)
    old = {row[0]: row[4] for row in rows}
    table = pa.table({
        "article_id": pa.array(list(placed), pa.string()),
        "story_id": pa.array([p[0] for p in placed.values()], pa.string()),
        "duplicate_of": pa.array([p[1] for p in placed.values()], pa.string()),
        "old_story_id": pa.array([old[a] for a in placed], pa.string()),
    }, schema=_MAP)
    con.register("story_map", table)
    try:
        con.execute(sql("stories", "update_story_ids"))
        con.execute(sql("stories", "stage_wanted_stories"))
        con.execute(sql("stories", "delete_changed_stories"))
        con.execute(sql("stories", "insert_stories"))
        con.execute(sql("stories", "delete_orphan_stories"))
    finally:
        con.unregister("story_map")
    con.execute(sql("stories", "drop_wanted_stories"))


def _version_changes(con: duckdb.DuckDBPyConnection) -> None:
    """``version_changes`` rows of the changed articles (what each later version changed)."""
    con.execute(sql("stories", "delete_changed_version_changes"))
    con.execute(sql("stories", "stage_story_versioned"))
    if not one(con, "stories", "select_story_versioned_count")[0]:
        return
    rows = []
    for article_id, version, seen_at, title_before, title, text_before, text in con.execute(
        sql("stories", "select_changed_versions")
    ).fetchall():
        removed, added, diff = text_changes(text_before, text)
        rows.append({"article_id": article_id, "version": version, "seen_at": seen_at,
                     "title_before": title_before, "title_after": title, "removed": removed,
                     "added": added, "diff": diff})
    if rows:
        _register(con, "change_rows", pa.Table.from_pylist(rows, schema=_CHANGES),
                  sql("stories", "insert_version_changes"))


def complete_migrated_features(con: duckdb.DuckDBPyConnection) -> int:
    """Before a load's transaction: give the ``story_features`` rows stored before migration
    0020 its columns, a slice of days per transaction (``update_stories`` would do it inside
    the load's). Returns the number of slices (0 when there was nothing to do)."""
    return complete_features(con, _PART, own_transactions=True)


def update_stories(con: duckdb.DuckDBPyConnection, changed: Iterable[str] | None = None,
                   parquet: Path | None = None) -> int:
    """Bring copies and stories up to date after a load, inside the caller's transaction.

    Args:
        con: read-write connection.
        changed: every article whose text, title, dates or existence the load may have changed
            (extra ids only cost time); ``None`` rebuilds the graph from every article. A graph
            out of step with the articles (a database migrated to it) is rebuilt anyway.
        parquet: the ``articles.parquet`` of the run this transaction just merged (its
            ``story`` column holds the features the extraction workers computed: copied for
            the articles holding the row the merge took, whose ``last_seen`` is that row's
            ``fetched_at``; without it they are computed here).

    Returns:
        The number of stories.

    Raises:
        ValueError: a stored signature does not have ``NUM_PERM`` values.
    """
    if changed is not None:
        ids = pa.table({"article_id": pa.array(list(changed), pa.string())})
        _register(con, "changed_rows", ids, sql("stories", "stage_story_changes"))
    if changed is None or one(con, "stories", "select_story_graph_gaps")[0]:
        con.execute(sql("stories", "stage_all_story_changes"))
    else:
        complete_features(con, _PART)
    con.execute(sql("stories", "stage_story_seeds"))
    con.execute(sql("stories", "stage_story_sources"))
    con.execute(sql("stories", "delete_changed_story_keys"))
    con.execute(sql("stories", "delete_changed_story_features"))
    con.execute(sql("stories", "delete_changed_story_links"))
    write_features(con, parquet, _PART)
    _links(con)
    _regroup(con)
    _version_changes(con)
    # Temp tables go with the transaction if anything fails: dropped here on success only.
    con.execute(sql("stories", "drop_story_changes"))
    return one(con, "stories", "select_story_count")[0]
