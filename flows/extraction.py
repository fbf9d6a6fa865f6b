"""Extract every raw page of a run into ``articles.parquet``, in a process pool.

Extraction is CPU-bound (lxml + trafilatura), so it runs in worker processes; the pure function
per page lives in ``transforms``. This module does the file IO around it: read the crawl's raw
pages, write one Parquet row per page for the warehouse loader (columns: ``ARTICLE_SCHEMA``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spiders.rawstore import RawPage, iter_raw_pages
from transforms.boilerplate import learn_from_pages
from transforms.dedup import content_hash, minhash_signature
from transforms.extract import extract_article
from transforms.record import Article, ExtractionHints, Verdict

_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())

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
    ("minhash", pa.list_(pa.uint64())),
])

_BATCH = 8  # pages per task: small enough that a small night spreads over all workers


@dataclass
class ExtractionSummary:
    """Counts per outlet and verdict, for logs and the run report."""

    path: str
    pages: int = 0
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)


def _row(page: RawPage, article: Article) -> dict:
    row = article.model_dump(mode="python")
    row.update(
        run_id=page.run_id, http_status=page.status, verdict=str(article.verdict),
        fetched_at=datetime.fromisoformat(page.fetched_at),
        content_hash=content_hash(article.text) if article.verdict == Verdict.ARTICLE else None,
        minhash=minhash_signature(article.text) if article.verdict == Verdict.ARTICLE else [],
    )
    return row


def extract_page(
    page: RawPage, hints: ExtractionHints | None, learned: frozenset[str] = frozenset()
) -> dict:
    """One raw page → one Parquet row. Never raises: a failure becomes an ``error`` verdict."""
    try:
        article = extract_article(
            page.body, page.final_url or page.url, outlet=page.outlet,
            headers=page.headers, hints=hints, status=page.status, learned=learned,
        )
    except Exception as exc:  # noqa: BLE001 - one broken page must not stop the night
        article = Article(
            verdict=Verdict.ERROR, reason=f"{type(exc).__name__}: {exc}"[:500],
            outlet=page.outlet, url=page.url, canonical_url=page.url,
        )
    return _row(page, article)


_Work = tuple[RawPage, ExtractionHints | None, frozenset[str]]


def _extract_batch(batch: list[_Work]) -> list[dict]:
    return [extract_page(page, hints, learned) for page, hints, learned in batch]


def learned_boilerplate(run_dir: Path) -> dict[str, frozenset[str]]:
    """Per outlet, the text blocks that recur across this night's pages (see
    ``transforms.boilerplate.learn_from_pages``). Streams each outlet's raw file twice rather
    than holding its bodies in memory."""
    learned = {}
    for path in sorted((run_dir / "raw").glob("*.jsonl.gz")):
        def fetched(path: Path = path) -> Iterator[RawPage]:
            return (p for p in iter_raw_pages(path) if p.status < 400)

        headers = [p.headers for p in fetched()]
        learned[path.name.split(".")[0]] = learn_from_pages(
            (p.body for p in fetched()), headers=headers)
    return learned


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_run(
    run_dir: Path, hints: dict[str, ExtractionHints], *, workers: int | None = None
) -> ExtractionSummary:
    """Extract all raw pages under ``run_dir/raw`` into ``run_dir/articles.parquet``.

    Args:
        run_dir: the run's directory, as the crawl left it.
        hints: extraction hints per outlet id (from the registry).
        workers: worker processes; 0 runs in this process (tests, debugging).
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    out = run_dir / "articles.parquet"
    tmp = out.with_suffix(".parquet.tmp")
    summary = ExtractionSummary(path=str(out))
    counts: dict[str, Counter] = {}
    learned = learned_boilerplate(run_dir)
    pages = ((page, hints.get(page.outlet), learned.get(page.outlet, frozenset()))
             for page in iter_raw_pages(run_dir))
    with pq.ParquetWriter(tmp, ARTICLE_SCHEMA) as writer:
        if workers == 0:
            results: Iterable[list[dict]] = map(_extract_batch, _batches(pages, _BATCH))
            _write_all(writer, results, counts)
        else:
            # Not fork: forking a process that runs Prefect's threads is unsafe. Not spawn: it
            # re-imports the ``python -m`` main module (flows.nightly, so Prefect: ~6 s) in every
            # worker. A forkserver imports only this module, once, and forks workers from it.
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload([__name__])
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                batches = _bounded_map(pool, _batches(pages, _BATCH), inflight=2 * workers)
                _write_all(writer, batches, counts)
    tmp.replace(out)  # atomic: a killed extraction never leaves a half file for the loader
    summary.verdicts = {outlet: dict(c) for outlet, c in counts.items()}
    summary.pages = sum(sum(c.values()) for c in counts.values())
    return summary


def _bounded_map(
    pool: ProcessPoolExecutor, batches: Iterable[list], *, inflight: int
) -> Iterator[list[dict]]:
    """``pool.map`` that keeps only ``inflight`` batches in memory, in input order.

    ``Executor.map`` submits the whole input at once, which would hold every page body of a
    large night in memory.
    """
    pending: deque[Future] = deque()
    for batch in batches:
        pending.append(pool.submit(_extract_batch, batch))
        if len(pending) >= inflight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _write_all(writer: pq.ParquetWriter, results: Iterable[list[dict]], counts: dict) -> None:
    for rows in results:
        for row in rows:
            counts.setdefault(row["outlet"], Counter())[row["verdict"]] += 1
        writer.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA))
