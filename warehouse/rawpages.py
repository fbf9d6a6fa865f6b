"""A run's raw page files as ``pages`` rows: read, deduplicated and compressed in the background.

Bodies are the bulk of a night (HTML, ~100 KB a page) and compressing them is the load's largest
CPU cost, so it runs beside the rest of the load instead of before it: ``PageStream`` starts a
thread that has DuckDB parse the files (gzip, JSON, base64) on a second connection, which only
reads files and so stays outside the load's transaction, compresses the bodies on a small thread
pool (zlib and SHA-256 release the GIL) and hands over Arrow tables. The loader inserts them on
its own connection, inside its transaction, whenever it is ready. What waits in between is
bounded in bytes, so memory does not grow with the night.

That is the slow path. The extraction workers already hold every body decoded, so they write
the same rows into ``pages.parquet`` (``khabar.run.schemas.PAGES_SCHEMA``), with the raw files
they came from in its metadata (``khabar.run.schemas.raw_files_stamp``); ``pages_parquet`` says
whether a run folder's file still matches its raw files, and the loader then inserts from it
with plain SQL. Bodies are compressed alike on both paths (``khabar.run.schemas.ZLIB_LEVEL``).
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from khabar.run.layout import EXTRACT_COMMAND, RunFolder
from khabar.run.schemas import ZLIB_LEVEL, made_from
from warehouse.queries import sql

# Threads compressing bodies; raw pages per batch (~100 KB pages: ~25 MB of bodies at a time).
_PACKERS = 2
_BATCH_ROWS = 256
# Compressed batches waiting for the loader, at most (the reader pauses beyond).
_BUFFER_BYTES = 32 * 2**20
_OLDEST = -(2**63)


class RunFilesError(ValueError):
    """A run folder's files do not belong to the run being loaded."""


def check_run_ids(found: Iterable[str | None], run_id: str, what: str) -> None:
    """Raise ``RunFilesError`` when ``found`` holds a run id other than ``run_id``."""
    other = sorted({str(r) for r in found} - {run_id})
    if other:
        raise RunFilesError(f"{what} holds rows of run(s) {other}, not only {run_id!r}")


def check_parquet(path: Path) -> None:
    """Refuse an ``articles.parquet`` that cannot be read (cut, not Parquet) in one line, before
    the load's transaction begins; a missing file is no error (a run without pages).

    Raises:
        RunFilesError: it is unreadable; the message says how to make it again.
    """
    if not path.exists():
        return
    try:
        pq.read_metadata(path)
    except (OSError, pa.ArrowException) as exc:
        raise RunFilesError(f"{path} is unreadable ({exc}); extract the run again "
                            f"({EXTRACT_COMMAND} {path.parent}), then load it") from None


def pages_parquet(run_dir: Path, files: list[Path]) -> Path | None:
    """The run folder's ``pages.parquet`` if it was made from exactly the raw ``files`` as they
    are now (``khabar.run.schemas.made_from``), else None: their pages are then read from the
    raw files themselves, with ``PageStream``."""
    path = RunFolder(run_dir).pages
    return path if made_from(path, files) else None


PageBatch = tuple[pa.Table, list[str]]


class PageStream:
    """Context manager: iterate ``batches()`` for ``(pages table, superseded URLs)``.

    The table has the ``pages`` columns (``body`` zlib-compressed, ``content_sha256`` of the
    raw body). A URL fetched twice in the run keeps its latest fetch; when that fetch comes in a
    later batch, the URL is listed with it so the loader deletes the page stored before.
    Leaving the block stops the reader, also on error.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, files: list[Path]) -> None:
        self._reader = con.cursor()
        self._run_id = run_id
        self._paths = [str(p) for p in files]
        self._ready: deque[PageBatch | BaseException | None] = deque()
        self._bytes = 0
        self._stop = False
        self._turn = threading.Condition()
        self._thread = threading.Thread(target=self._produce, name="raw-pages", daemon=True)

    def __enter__(self) -> PageStream:
        if self._paths:
            self._thread.start()
        else:
            self._reader.close()
            self._ready.append(None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self._turn:
            self._stop = True
            self._turn.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def batches(self) -> Iterator[PageBatch]:
        """Compressed page batches in arrival order; re-raises the reader's error."""
        while True:
            with self._turn:
                while not self._ready:
                    self._turn.wait()
                item = self._ready.popleft()
                if isinstance(item, tuple):
                    self._bytes -= item[0].nbytes
                self._turn.notify_all()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _put(self, item: PageBatch | BaseException | None) -> None:
        with self._turn:
            while isinstance(item, tuple) and self._bytes > _BUFFER_BYTES and not self._stop:
                self._turn.wait()
            if isinstance(item, tuple):
                self._bytes += item[0].nbytes
            self._ready.append(item)
            self._turn.notify_all()

    def _produce(self) -> None:
        seen: dict[str, int] = {}
        try:
            try:
                with ThreadPoolExecutor(max_workers=_PACKERS) as pool:
                    for batch in self._read():
                        if self._stop:
                            return
                        _check_batch(batch, self._run_id)
                        keep, replaced = latest_fetches(batch, seen)
                        if not keep:
                            continue
                        table = pa.Table.from_batches([batch]).drop_columns(["filename"])
                        if len(keep) < batch.num_rows:
                            table = table.take(pa.array(keep, pa.int64()))
                        self._put((pack_bodies(table, pool), replaced))
            finally:
                self._reader.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the loader, which raises it
            self._put(exc)
        else:
            self._put(None)


    def _read(self) -> Iterator[pa.RecordBatch]:
        # One file at a time: DuckDB's JSON reader holds ~50 MB of buffers per file it reads
        # at once, and this thread only has to keep ahead of the loader.
        for path in self._paths:
            result = self._reader.execute(sql("runfolder", "select_raw_pages"), {"paths": [path]})
            yield from result.to_arrow_reader(_BATCH_ROWS)


def _check_batch(batch: pa.RecordBatch, run_id: str) -> None:
    other = pc.fill_null(pc.not_equal(batch.column("run_id"), run_id), True)
    if pc.any(other).as_py():
        files = pc.unique(pc.filter(batch.column("filename"), other)).to_pylist()
        check_run_ids(batch.column("run_id").to_pylist(), run_id, ", ".join(files))


def latest_fetches(batch: pa.RecordBatch, seen: dict[str, int]) -> tuple[list[int], list[str]]:
    """Rows of ``batch`` to store: a URL fetched twice in a run keeps its latest fetch.

    Args:
        batch: raw pages (``url``, ``fetched_at``), in file order.
        seen: URL -> fetched_at (µs) of what earlier batches kept; updated.

    Returns:
        Row indices to keep, and the URLs whose page kept from an earlier batch a row supersedes.
        Ties keep the later line; a missing fetched_at counts as the oldest.
    """
    chosen: dict[str, int] = {}
    replaced: list[str] = []
    stamps = pc.fill_null(batch.column("fetched_at").cast(pa.int64()), _OLDEST).to_pylist()
    for index, url in enumerate(batch.column("url").to_pylist()):
        if url in chosen:
            if stamps[index] >= stamps[chosen[url]]:
                chosen[url] = index
        elif url in seen:
            if stamps[index] >= seen[url]:
                chosen[url] = index
                replaced.append(url)
        else:
            chosen[url] = index
    for url, index in chosen.items():
        seen[url] = stamps[index]
    return sorted(chosen.values()), replaced


def pack_bodies(table: pa.Table, pool: ThreadPoolExecutor) -> pa.Table:
    """``body`` zlib-compressed, ``content_sha256`` added, the work split over ``pool``."""
    bodies = table.column("body").to_pylist()
    step = max(1, -(-len(bodies) // _PACKERS))
    parts = pool.map(_pack, [bodies[i : i + step] for i in range(0, len(bodies), step)])
    packed = [item for part in parts for item in part]
    return table.set_column(
        table.schema.get_field_index("body"),
        pa.field("body", pa.binary()),
        pa.array([p[0] for p in packed], type=pa.binary()),
    ).append_column("content_sha256", pa.array([p[1] for p in packed], type=pa.string()))


def _pack(bodies: list[bytes | None]) -> list[tuple[bytes | None, str | None]]:
    return [
        (None, None) if b is None else (zlib.compress(b, ZLIB_LEVEL), hashlib.sha256(b).hexdigest())
        for b in bodies
    ]
