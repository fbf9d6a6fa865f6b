"""Extract every raw page of a run into ``articles.parquet`` and ``pages.parquet``, in a pool.

Extraction is CPU-bound (lxml + trafilatura), so it runs in worker processes; the pure function
per page lives in ``transforms``. This module does the file IO around it: read the crawl's raw
pages, write one Parquet row per page for the warehouse loader (columns:
``khabar.run.schemas.ARTICLE_SCHEMA``), and one row per page for the warehouse's ``pages`` table
(``PAGES_SCHEMA``: the body
zlib-compressed and hashed by the worker that already holds it decoded, so that the load, a
single process inside one transaction, only copies rows; ``warehouse.load`` says when it uses the
file and when it reads the raw files instead).

Two passes over the raw files, both in the pool: the workers reduce each page to its block
fingerprints (per-outlet boilerplate learning), then extract every page with what was learned.
The parent only reads raw files, counts fingerprints and writes Parquet, so that two workers on
two cores come close to twice one worker (``python -m bench.extraction`` measures it).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from khabar.run.layout import FETCHES, RAW, RunFolder, outlet_of
from khabar.run.records import RawPage, iter_raw_pages
from khabar.run.salvage import read_damage, salvage_run
from khabar.run.schemas import ARTICLE_SCHEMA, PAGES_SCHEMA, ZLIB_LEVEL, raw_files_stamp
from pipeline.children import die_with
from transforms.boilerplate import (
    LEARN_MIN_PAGES,
    LEARN_MIN_SHARE,
    learn_from_fingerprints,
    page_digest,
    page_fingerprints,
)
from transforms.dedup import content_hash, minhash_signature
from transforms.record import Article, ExtractionHints, Verdict
from transforms.story import features_row

# Pages per task: ~0.1 s of work, so the per-task cost (pickling, a pipe round trip) is noise,
# and a small night still spreads over all workers.
_BATCH = 8
# Batches queued per worker: enough that a worker never waits for the parent, few enough that a
# large night's bodies are not all in memory at once.
_INFLIGHT_PER_WORKER = 3
# Rows per Parquet row group: the parent writes few, large groups (one per 8-row batch cost it
# more than a tenth of a worker's time per page, which two workers then wait on).
_ROW_GROUP = 1024
# Compressed bodies the parent holds before writing a ``pages.parquet`` row group (~30 KB a
# page: ~250 pages), so that its memory does not grow with the night.
_PAGES_GROUP_BYTES = 8 * 2**20
# Bodies are zlib already: Parquet compresses the other columns only.
_PAGES_COMPRESSION = {name: "snappy" for name in PAGES_SCHEMA.names} | {"body": "none"}
_PAGES_DICTIONARY = [name for name in PAGES_SCHEMA.names if name not in ("body", "content_sha256")]


@dataclass
class ExtractionSummary:
    """Counts per outlet and verdict, for logs and the run report."""

    path: str
    pages: int = 0
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)
    # Raw or fetch files a killed crawl had cut, read as far as they were whole (one line each).
    damaged_files: list[str] = field(default_factory=list)


def _row(page: RawPage, article: Article) -> dict:
    row = article.model_dump(mode="python")
    row.update(
        run_id=page.run_id, http_status=page.status, verdict=str(article.verdict),
        fetched_at=datetime.fromisoformat(page.fetched_at),
        content_hash=content_hash(article.text) if article.verdict == Verdict.ARTICLE else None,
        minhash=minhash_signature(article.text) if article.verdict == Verdict.ARTICLE else [],
        story=(features_row(article.title, article.text, article.language)
               if article.verdict == Verdict.ARTICLE else None),
    )
    return row


def extract_page(
    page: RawPage, hints: ExtractionHints | None, learned: frozenset[str] = frozenset(),
    body: bytes | None = None,
) -> dict:
    """One raw page → one Parquet row. Never raises: a failure becomes an ``error`` verdict.

    ``body``: the page's body already decoded, if the caller has it.
    """
    # Imported here, not at the top: the pool's parent only reads and writes files, and with
    # trafilatura and its language model it would hold ~110 MB more for nothing. The workers
    # have it already: the forkserver preloads it (``extraction_pool``).
    from transforms.extract import extract_article

    try:
        article = extract_article(
            page.body if body is None else body, page.final_url or page.url, outlet=page.outlet,
            headers=page.headers, hints=hints, status=page.status, learned=learned,
        )
    except Exception as exc:  # noqa: BLE001 - one broken page must not stop the night
        article = Article(
            verdict=Verdict.ERROR, reason=f"{type(exc).__name__}: {exc}"[:500],
            outlet=page.outlet, url=page.url, canonical_url=page.url,
        )
    return _row(page, article)


_Work = tuple[RawPage, ExtractionHints | None, frozenset[str]]


def page_row(page: RawPage, body: bytes | None = None) -> dict:
    """One raw page → its ``pages`` row (``PAGES_SCHEMA``): body compressed and hashed."""
    body = page.body if body is None else body
    return {
        "run_id": page.run_id, "outlet": page.outlet, "url": page.url,
        "final_url": page.final_url, "status": page.status,
        "headers": json.dumps(page.headers, ensure_ascii=False, separators=(",", ":")),
        "body": zlib.compress(body, ZLIB_LEVEL), "content_sha256": hashlib.sha256(body).hexdigest(),
        "fetched_at": datetime.fromisoformat(page.fetched_at), "sources": page.sources,
    }


def _extract_batch(batch: list[_Work], pages_rows: bool = True) -> tuple[bytes, bytes]:
    """Worker side: article rows and page rows, each as one Arrow IPC record batch (the parent
    reads them without copying). Each body is decoded once for both."""
    articles, pages = [], []
    for page, hints, learned in batch:
        body = page.body
        articles.append(extract_page(page, hints, learned, body))
        if pages_rows:
            pages.append(page_row(page, body))
    return (pa.RecordBatch.from_pylist(articles, schema=ARTICLE_SCHEMA).serialize().to_pybytes(),
            pa.RecordBatch.from_pylist(pages, schema=PAGES_SCHEMA).serialize().to_pybytes())


def _fingerprint(page: RawPage) -> tuple[str, frozenset[str]]:
    body = page.body
    try:
        return page_digest(body), page_fingerprints(body, page.headers)
    except Exception:  # noqa: BLE001 - an unreadable page teaches nothing; extraction reports it
        return page_digest(body), frozenset()


def _fingerprint_batch(item: tuple[str, list[RawPage]]) -> tuple[str, list]:
    """Worker side of learning: (outlet, pages) → (outlet, [(digest, fingerprints), ...])."""
    outlet, pages = item
    return outlet, [_fingerprint(page) for page in pages]


def _raw_files(run_dir: Path) -> list[Path]:
    return RunFolder(run_dir).raw_files()


def learned_boilerplate(
    run_dir: Path, *, pool: Executor | None = None, workers: int = 1
) -> dict[str, frozenset[str]]:
    """Per outlet, the text blocks that recur across this night's pages.

    The same result as ``transforms.boilerplate.learn_from_pages`` on each outlet's fetched
    pages (identical bodies count once, the first one read), with the per-page work done in
    ``pool`` when one is given. Streams the raw files rather than holding their bodies.
    """
    def batches() -> Iterator[tuple[str, list[RawPage]]]:
        for path in _raw_files(run_dir):
            outlet = outlet_of(path)
            fetched = (p for p in iter_raw_pages(path) if p.status < 400)
            for batch in _batches(fetched, _BATCH):
                yield outlet, batch

    per_outlet: dict[str, list[frozenset[str]]] = {
        outlet_of(path): [] for path in _raw_files(run_dir)}
    seen: dict[str, set[str]] = {outlet: set() for outlet in per_outlet}
    for outlet, results in _map(pool, _fingerprint_batch, batches(), workers):
        for digest, fingerprints in results:
            if digest not in seen[outlet]:
                seen[outlet].add(digest)
                per_outlet[outlet].append(fingerprints)
    return {outlet: learn_from_fingerprints(pages, min_share=LEARN_MIN_SHARE,
                                            min_pages=LEARN_MIN_PAGES)
            for outlet, pages in per_outlet.items()}


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _ready() -> int:
    return os.getpid()


@contextmanager
def extraction_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A started pool of ``workers`` extraction processes (each has imported this module and
    ``transforms.extract``).

    Not fork: forking a process that runs Prefect's threads is unsafe. Not spawn: it re-imports
    the ``python -m`` main module (flows.nightly, so Prefect: ~6 s) in every worker. A forkserver
    imports only this module and the extractor (trafilatura, the language model), once, and
    forks workers from it, which then share those pages.
    The workers are started here, so that the time to start them can be told apart from the
    time to extract (``bench.extraction`` reports both).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "transforms.extract"])
    # Each worker exits when this process ends, however it ends: the workers are the
    # forkserver's children, and without this they outlived a killed extraction process, holding
    # its output pipes, so the flow waited for ever (``pipeline.children``).
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with,
                             initargs=(os.getpid(),)) as pool:
        # One task per worker, submitted at once: the executor starts a process for each.
        for future in [pool.submit(_ready) for _ in range(workers)]:
            future.result()
        yield pool


def extract_run(
    run_dir: Path, hints: dict[str, ExtractionHints], *, workers: int | None = None,
    pool: ProcessPoolExecutor | None = None, pages: bool = True,
) -> ExtractionSummary:
    """Extract all raw pages under ``run_dir/raw`` into ``run_dir/articles.parquet``, and write
    their ``pages`` rows into ``run_dir/pages.parquet``.

    Args:
        run_dir: the run's directory, as the crawl left it.
        hints: extraction hints per outlet id (from the registry).
        workers: worker processes; 0 runs in this process (tests, debugging).
        pool: an ``extraction_pool`` to use instead of starting one for this run (``workers``
            then only sizes the queue).
        pages: write ``pages.parquet`` (False: no such file, e.g. for pages stored already; the
            loader then reads the raw files, if any are left).
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    # First: a crawl killed mid-write leaves its files cut; keep their complete records (the
    # damage is recorded in the run folder and reported), so one outlet's cut file neither
    # stops the others nor is read half by one stage and whole by the next.
    salvage_run(run_dir, (RAW, FETCHES))
    if pool is None and workers > 0:
        with extraction_pool(workers) as own:
            return _extract_files(run_dir, hints, workers=workers, pool=own, pages=pages)
    return _extract_files(run_dir, hints, workers=workers, pool=pool, pages=pages)


def _extract_files(run_dir: Path, hints: dict[str, ExtractionHints], *, workers: int,
                   pool: Executor | None, pages: bool) -> ExtractionSummary:
    """``extract_run`` once its files are whole and its pool started: write the two Parquet
    files under temporary names, then rename them."""
    folder = RunFolder(run_dir)
    out, pages_out = folder.articles, folder.pages
    tmp, pages_tmp = RunFolder.tmp(out), RunFolder.tmp(pages_out)
    try:
        summary = _extract_into(run_dir, hints, tmp, pages_tmp, workers=workers, pool=pool,
                                pages=pages)
    except BaseException:
        # Killed pool, full disk...: no half file left behind to fill the disk further.
        tmp.unlink(missing_ok=True)
        pages_tmp.unlink(missing_ok=True)
        raise
    # Atomic: a killed extraction never leaves a half file for the loader.
    if pages:
        pages_tmp.replace(pages_out)
    else:
        pages_tmp.unlink()
        pages_out.unlink(missing_ok=True)
    tmp.replace(out)
    summary.path = str(out)
    summary.damaged_files = [d.line() for d in read_damage(run_dir)]
    return summary


def _extract_into(run_dir: Path, hints: dict[str, ExtractionHints], tmp: Path, pages_tmp: Path,
                  *, workers: int, pool: Executor | None, pages: bool) -> ExtractionSummary:
    """``extract_run``'s work, into the temporary files ``tmp`` and ``pages_tmp``."""
    summary = ExtractionSummary(path=str(tmp))
    counts: dict[str, Counter] = {}
    # Taken before reading: raw files changed after this no longer match pages.parquet.
    stamp = raw_files_stamp(_raw_files(run_dir))
    learned = learned_boilerplate(run_dir, pool=pool, workers=workers)
    work = ((page, hints.get(page.outlet), learned.get(page.outlet, frozenset()))
            for page in iter_raw_pages(run_dir))
    pages_schema = PAGES_SCHEMA.with_metadata(stamp)
    with (pq.ParquetWriter(tmp, ARTICLE_SCHEMA) as writer,
          pq.ParquetWriter(pages_tmp, pages_schema, compression=_PAGES_COMPRESSION,
                           use_dictionary=_PAGES_DICTIONARY) as pages_writer):
        pending: list[pa.RecordBatch] = []
        pending_pages: list[pa.RecordBatch] = []
        extract = _extract_batch if pages else partial(_extract_batch, pages_rows=False)
        for data, page_data in _map(pool, extract, _batches(work, _BATCH), workers):
            batch = pa.ipc.read_record_batch(pa.py_buffer(data), ARTICLE_SCHEMA)
            for outlet, verdict in zip(batch.column("outlet").to_pylist(),
                                       batch.column("verdict").to_pylist(), strict=True):
                counts.setdefault(outlet, Counter())[verdict] += 1
            pending.append(batch)
            if sum(b.num_rows for b in pending) >= _ROW_GROUP:
                writer.write_table(pa.Table.from_batches(pending))
                pending = []
            if pages:
                pending_pages.append(
                    pa.ipc.read_record_batch(pa.py_buffer(page_data), PAGES_SCHEMA))
            if pending_pages and sum(b.nbytes for b in pending_pages) >= _PAGES_GROUP_BYTES:
                pages_writer.write_table(pa.Table.from_batches(pending_pages, pages_schema))
                pending_pages = []
        if pending:
            writer.write_table(pa.Table.from_batches(pending))
        if pending_pages:
            pages_writer.write_table(pa.Table.from_batches(pending_pages, pages_schema))
    summary.verdicts = {outlet: dict(c) for outlet, c in counts.items()}
    summary.pages = sum(sum(c.values()) for c in counts.values())
    return summary


_T = TypeVar("_T")


def _map(
    pool: Executor | None, fn: Callable[[Any], _T], items: Iterable, workers: int
) -> Iterator[_T]:
    """``map(fn, items)`` in this process, or in ``pool`` with a bounded queue, in input order.

    ``Executor.map`` submits the whole input at once, which would hold every page body of a
    large night in memory.
    """
    if pool is None:
        yield from map(fn, items)
        return
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= _INFLIGHT_PER_WORKER * max(1, workers):
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
