"""The Parquet files extraction writes into a run folder, and the warehouse loads by name.

* ``articles.parquet``: one row per raw page (``ARTICLE_SCHEMA``), with its MinHash signature
  and story features, computed by the extraction workers;
* ``pages.parquet``: one row per raw page in the ``pages`` table's columns (``PAGES_SCHEMA``),
  body already compressed, and in its metadata the raw files it was made from
  (:func:`raw_files_stamp`): the loader uses it only while those files are unchanged
  (:func:`made_from`), else it reads the raw files itself.

Imports pyarrow, so stages that only crawl never import this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())
# ``Article.embeds`` (``transforms.record.Embed``): the posts an article embeds, in page order.
EMBEDS_TYPE = pa.list_(pa.struct([
    ("platform", pa.string()), ("url", pa.string()), ("author", pa.string()),
    ("handle", pa.string()), ("text", pa.string()),
]))

STORY_TYPE = pa.struct([
    ("title", _STRINGS), ("lead", _STRINGS), ("names", _STRINGS), ("numbers", _STRINGS),
    ("shingles", pa.int32()), ("keys", pa.list_(pa.int64())),
])

# One row per fetched page; the warehouse loads these columns by name.
ARTICLE_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("outlet", pa.string()), ("url", pa.string()),
    ("canonical_url", pa.string()), ("http_status", pa.int32()), ("fetched_at", _TS),
    ("verdict", pa.string()), ("reason", pa.string()),
    ("title", pa.string()), ("subtitle", pa.string()), ("authors", _STRINGS),
    ("published_at", _TS), ("modified_at", _TS), ("language", pa.string()),
    ("categories", _STRINGS), ("tags", _STRINGS), ("description", pa.string()),
    ("image", pa.string()), ("paragraphs", _STRINGS), ("text", pa.string()),
    ("word_count", pa.int32()), ("extractor", pa.string()), ("extractor_version", pa.string()),
    ("original_outlet", pa.string()), ("original_published_at", _TS),
    ("original_url", pa.string()), ("content_hash", pa.string()),
    ("minhash", pa.list_(pa.uint64())), ("embeds", EMBEDS_TYPE),
    # transforms.story.features_row: what the story grouping reads, computed here in parallel.
    ("story", STORY_TYPE),
])

# One row per raw page, the ``pages`` table's columns: ``body`` zlib-compressed (level
# ``ZLIB_LEVEL``), ``content_sha256`` of the raw body, ``headers`` as JSON text (as DuckDB's JSON
# reader gives it). In raw file order (the loader keeps a URL's latest fetch by it); the schema
# metadata names the raw files it was made from (``raw_files_stamp``).
PAGES_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("outlet", pa.string()), ("url", pa.string()),
    ("final_url", pa.string()), ("status", pa.int32()), ("headers", pa.string()),
    ("body", pa.binary()), ("content_sha256", pa.string()), ("fetched_at", _TS),
    ("sources", _STRINGS),
])
# How page bodies are compressed, by the extraction workers and by the loader when it reads raw
# files itself. On real pages zlib level 1 compresses 1.6x faster than level 6 (62 vs 39 MB/s
# on one core here) for a 12% larger result (3.05x vs 3.42x): compression was the load's largest
# CPU cost.
ZLIB_LEVEL = 1
# Key of PAGES_SCHEMA's metadata: JSON ``[[name, size, mtime_ns], ...]`` of the raw files.
RAW_STAMP = b"khabar.raw_files"


def _stamp_of(files: Iterable[Path]) -> list[list]:
    found = []
    for path in files:
        stat = path.stat()
        found.append([path.name, stat.st_size, stat.st_mtime_ns])
    return found


def raw_files_stamp(files: Iterable[Path]) -> dict[bytes, bytes]:
    """``pages.parquet`` metadata naming ``files`` (names, sizes, modification times)."""
    return {RAW_STAMP: json.dumps(_stamp_of(files), ensure_ascii=False).encode("utf-8")}


def made_from(pages: Path, files: list[Path]) -> bool:
    """Whether the ``pages.parquet`` at ``pages`` was made from exactly the raw ``files`` as they
    are now: False for no such file, an older extraction, raw files rewritten, added or removed
    since, or a file that cannot be read (the raw files then decide)."""
    if not files or not pages.is_file():
        return False
    try:
        stamp = json.loads((pq.read_schema(pages).metadata or {}).get(RAW_STAMP, b"null"))
        return stamp == _stamp_of(files)
    except (OSError, ValueError, pa.ArrowException):
        return False
