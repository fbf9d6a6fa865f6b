"""The story features, signatures and candidate keys of the articles a load changed.

``story_features`` holds everything the pair scorer reads of an article (migration 0020): the
text-derived features (``transforms.story.StoryFeatures``), its outlet, publication time and
MinHash signature. ``story_keys`` holds its candidate keys: entity keys and LSH buckets.

Where they come from, cheapest first:

1. the run's ``articles.parquet``, whose ``story`` column the extraction workers computed (in
   parallel), for the articles holding the row this load merged; their signature is that row's
   too. No stored text or signature is read (``stories.sql:stage_parquet_story`` says why);
2. computed here from the stored text and signature for the others (a run folder written
   before the workers computed features, a text a reload restored, a rebuild), a slice of
   ``part`` articles at a time, in day order.

Rows are inserted in day order: the candidate search and the pair features read a window of
days, and DuckDB skips the row groups of other days by their min/max only if days are grouped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms import story
from transforms.dedup import NUM_PERM
from warehouse.queries import one, sql

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_FEATURES = pa.schema([
    ("article_id", pa.string()), ("day", pa.int32()), ("language", pa.string()),
    ("title", pa.list_(pa.string())), ("lead", pa.list_(pa.string())),
    ("names", pa.list_(pa.string())), ("numbers", pa.list_(pa.string())),
    ("shingles", pa.int32()), ("outlet", pa.string()),
    ("published", pa.timestamp("us", "UTC")), ("minhash", pa.list_(pa.uint64())),
])
_KEYS = pa.schema([("article_id", pa.string()), ("day", pa.int32()), ("key", pa.int64()),
                   ("band", pa.bool_())])


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """LSH bucket keys of MinHash signatures: ``CANDIDATE_BANDS`` per signature, each an FNV-1a
    hash of the band's number and its ``CANDIDATE_ROWS`` values (< 2**63, a BIGINT)."""
    count = signatures.shape[0]
    rows, bands = story.CANDIDATE_ROWS, story.CANDIDATE_BANDS
    values = signatures[:, : bands * rows].reshape(count, bands, rows).astype(np.uint64)
    bucket = np.full((count, bands), _FNV_OFFSET, dtype=np.uint64)
    bucket ^= np.arange(bands, dtype=np.uint64)
    bucket *= _FNV_PRIME
    for row in range(rows):
        bucket ^= values[:, :, row]
        bucket *= _FNV_PRIME
    return (bucket >> np.uint64(1)).astype(np.int64)


def signature_matrix(ids: list[str], minhash: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """``(len(minhash), NUM_PERM)`` uint64 array of non-null signatures (Arrow list column).

    Raises:
        ValueError: a signature does not have ``NUM_PERM`` values.
    """
    column = minhash.combine_chunks() if isinstance(minhash, pa.ChunkedArray) else minhash
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    wrong = np.flatnonzero(lengths != NUM_PERM)
    if wrong.size:
        first = int(wrong[0])
        raise ValueError(f"signature of {ids[first]!r} has {int(lengths[first])} values, "
                         f"not {NUM_PERM}")
    return pc.list_flatten(column).to_numpy().reshape(len(column), NUM_PERM)


def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, statement: str) -> None:
    """Run ``statement`` (its text) with ``table`` registered as ``name``."""
    con.register(name, table)
    try:
        con.execute(statement)
    finally:
        con.unregister(name)


def _insert_band_keys(con: duckdb.DuckDBPyConnection, signed: pa.Table) -> None:
    """Insert the LSH keys of ``(article_id, day, minhash)`` rows (minhash not null)."""
    if not signed.num_rows:
        return
    ids = signed["article_id"].to_pylist()
    buckets = band_keys(signature_matrix(ids, signed["minhash"]))
    repeat = pa.array(np.repeat(np.arange(signed.num_rows), story.CANDIDATE_BANDS))
    table = pa.table({
        "article_id": signed["article_id"].take(repeat),
        "day": signed["day"].cast(pa.int32()).take(repeat),
        "key": pa.array(buckets.ravel()),
        "band": pa.array(np.ones(buckets.size, dtype=bool)),
    }, schema=_KEYS)
    _register(con, "key_rows", table, sql("stories", "insert_story_keys"))


def _copy_parquet(con: duckdb.DuckDBPyConnection, parquet: Path | None) -> bool:
    """Features, keys and signatures of the articles holding a row of ``parquet`` that has them;
    False when the file has no ``story`` column (nothing copied)."""
    if parquet is None or not parquet.exists() or not one(
            con, "stories", "select_parquet_has_story", {"path": str(parquet)})[0]:
        return False
    con.execute(sql("stories", "stage_parquet_story"), {"path": str(parquet)})
    if one(con, "stories", "select_parquet_story_unsigned")[0]:
        con.execute(sql("stories", "update_parquet_story_signatures"))
    con.execute(sql("stories", "insert_parquet_story_features"))
    con.execute(sql("stories", "insert_parquet_story_keys"))
    signed = con.execute(sql("stories", "select_parquet_story_signatures")).to_arrow_table()
    _insert_band_keys(con, signed)
    return True


def _compute(con: duckdb.DuckDBPyConnection, first: int, stop: int) -> None:
    """Features and keys of story_todo's articles ``seq`` in ``[first, stop)``."""
    rows = con.execute(sql("stories", "select_changed_story_texts"), {"first": first, "stop": stop}
                       ).fetchall()
    features, keys = [], []
    for article_id, day, outlet, published, title, text, language, minhash in rows:
        made = story.story_features(title, text, language)
        features.append({"article_id": article_id, "day": day, "language": made.language,
                         "title": list(made.title), "lead": list(made.lead),
                         "names": list(made.names), "numbers": list(made.numbers),
                         "shingles": made.shingles, "outlet": outlet, "published": published,
                         "minhash": minhash or None})
        keys += [{"article_id": article_id, "day": day, "key": k, "band": False}
                 for k in story.candidate_keys(made, text)]
    table = pa.Table.from_pylist(features, schema=_FEATURES)
    _register(con, "feature_rows", table, sql("stories", "insert_story_features"))
    _register(con, "key_rows", pa.Table.from_pylist(keys, schema=_KEYS),
              sql("stories", "insert_story_keys"))
    signed = table.select(["article_id", "day", "minhash"]).filter(
        pc.is_valid(table["minhash"]))
    _insert_band_keys(con, signed)


def day_ranges(counts: list[tuple[int, int]], part: int, days: int | None = None
               ) -> list[tuple[int, int]]:
    """``(day, articles)`` rows in day order cut into ``[first, last]`` ranges of at most about
    ``part`` articles (a day is never cut) and, when given, spanning fewer than ``days`` days."""
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    last = 0
    count = 0
    for day, articles in counts:
        if start is None:
            start = day
        elif count + articles > part or (days is not None and day - start >= days):
            ranges.append((start, last))
            start, count = day, 0
        count += articles
        last = day
    if start is not None:
        ranges.append((start, last))
    return ranges


def complete_features(con: duckdb.DuckDBPyConnection, part: int, *,
                      own_transactions: bool = False) -> int:
    """Give the rows stored before migration 0020 the columns it added, about ``part`` rows
    per query; each slice in its own transaction if ``own_transactions`` (a warehouse of
    300,000 articles completed in the load's transaction ran the load out of DuckDB's 256 MB).

    Returns:
        The number of slices completed (0 once a load has completed them).
    """
    counts = con.execute(sql("stories", "select_unfilled_feature_days")).fetchall()
    ranges = day_ranges(counts, part)
    for first, last in ranges:
        days = {"first": first, "last": last}
        if own_transactions:
            con.begin()
        try:
            con.execute(sql("stories", "stage_feature_refill"), days)
            con.execute(sql("stories", "delete_feature_refill"), days)
            con.execute(sql("stories", "insert_feature_refill"))
            con.execute(sql("stories", "drop_feature_refill"))
            if own_transactions:
                con.commit()
        except BaseException:
            if own_transactions:
                con.rollback()
            raise
    return len(ranges)


def write_features(con: duckdb.DuckDBPyConnection, parquet: Path | None, part: int) -> None:
    """Insert the features and keys of every changed article that exists (``story_sources``),
    whose old rows are deleted already; at most ``part`` computed per query."""
    copied = _copy_parquet(con, parquet)
    con.execute(sql("stories", "stage_story_todo" if copied else "stage_story_todo_all"))
    todo = one(con, "stories", "select_story_todo_count")[0]
    for first in range(0, todo, part):
        _compute(con, first, min(first + part, todo))
