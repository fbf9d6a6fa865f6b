"""Raw run files: the contract between the crawl and everything after it.

Layout and fields follow docs/architecture.md ("Raw page file"):

* ``<run_dir>/raw/<outlet>.jsonl.gz``: one :class:`RawPage` per fetched article page;
* ``<run_dir>/fetches/<outlet>.jsonl.gz``: one :class:`FetchRecord` per request outcome.

No Scrapy import here: the flow and the transforms read these files without a crawler.

**A killed writer leaves a readable prefix.** :class:`JsonlGzWriter` flushes the compressor
(``Z_SYNC_FLUSH``) after every record, so whatever the crawl had written when it was killed (the
OOM killer, a timeout, a full disk) decompresses up to its last complete record; only the gzip
trailer is missing. Such a file is *cut*: :func:`salvage_run` (run by the extraction and by the
loader before they read a run folder) keeps every complete record of it in a new file under the
same name, keeps the original bytes beside it (``<name>.damaged``) and records what happened in
``<run_dir>/damaged-files.json``. Before, one outlet's cut fetch log failed the whole night's load
three times ("Input is not a GZIP stream").
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

RAW_DIR = "raw"
FETCHES_DIR = "fetches"
CRAWL_DIR = "crawl"
SUFFIX = ".jsonl.gz"
# Beside a cut file that was salvaged: its original bytes, and the run's record of what was cut.
DAMAGED_SUFFIX = ".damaged"
DAMAGE_FILE = "damaged-files.json"


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC with seconds precision (``2026-11-23T19:30:00Z``)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class RawPage:
    """One fetched page, bytes kept exactly as sent (the extractor decodes them)."""

    run_id: str
    outlet: str
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body_b64: str
    fetched_at: str
    sources: list[str] = field(default_factory=list)

    @classmethod
    def from_body(cls, *, body: bytes, **fields: Any) -> Self:
        """Build a page from raw ``body`` bytes; the other fields are passed by name."""
        return cls(body_b64=base64.b64encode(body).decode("ascii"), **fields)

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_b64)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """The outcome of one request: a response (``status``) or an error (exception class name).

    ``url`` is the URL as first requested (before redirects); ``status`` is the final response's
    (None when none came); ``error`` names the exception class: ``HttpError`` for non-2xx,
    ``IgnoreRequest`` for robots.txt refusals, Twisted/Scrapy download errors
    (``DownloadTimeoutError``, ``ResponseDataLossError``, ``DownloadFailedError``…), and ours:
    ``OffsiteRedirectError`` (3xx or ``<meta refresh>`` to another host),
    ``PrivateAddressError``, ``RedirectLoopError`` (``spiders.guard``),
    ``ResponseTooLargeError``, ``DecompressionLimitError`` (``spiders.limits``), and, with
    status 200, ``EmptyResponse``, ``UnparseableSource``, ``EmptyListing`` (``spiders.news``:
    nothing usable, retried next night). ``duration_ms`` is documented at
    ``spiders.news.fetch_duration_ms``.
    """

    run_id: str
    outlet: str
    url: str
    status: int | None
    error: str | None
    bytes: int
    duration_ms: int | None
    fetched_at: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def outlet_file(run_dir: Path | str, kind: str, outlet: str) -> Path:
    """``<run_dir>/<kind>/<outlet>.jsonl.gz`` for kind ``raw`` or ``fetches``."""
    return Path(run_dir) / kind / f"{outlet}{SUFFIX}"


class JsonlGzWriter:
    """Writes dataclass records (or dicts) as gzip JSON lines; truncates an existing file.

    A crawl writes one file per outlet per run, so re-running an outlet into the same run
    directory replaces its file instead of appending duplicates.

    Every record is flushed through the compressor to the file (``Z_SYNC_FLUSH``), the gzip
    header as soon as the file is opened: a writer killed at any moment leaves every record it
    had written readable (:func:`salvage`). Measured on the 181 real pages of the ScrapingHub
    set (170 KB of HTML each): the raw page file is 0.04 % larger and costs 3 % more CPU
    (5.4 ms a page instead of 5.2, most of it compressing the page itself); a fetch log of
    2,000 records grows from 3 to 12 bytes a record (240 KB for a 20,000-request night), +5 µs
    a record.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = gzip.open(self.path, "wt", encoding="utf-8")
        self._file.flush()  # the header: a file killed before its first record is still gzip
        self.count = 0

    def write(self, record: RawPage | FetchRecord | dict[str, Any]) -> None:
        # Shallow: ``dataclasses.asdict`` deep-copies every headers dict and sources list only
        # for json.dumps to read them once (~0.1 ms a record, a crawl's profile showed).
        data = record if isinstance(record, dict) else {
            name: getattr(record, name) for name in record.__dataclass_fields__}
        self._file.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        # TextIOWrapper.flush -> GzipFile.flush(Z_SYNC_FLUSH) -> the file's buffer -> the OS.
        self._file.flush()
        self.count += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_jsonl_gz(path: Path | str) -> Iterator[dict[str, Any]]:
    """The JSON objects of one ``.jsonl.gz`` file, in order (blank lines skipped)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _files(path_or_run_dir: Path | str, kind: str) -> list[Path]:
    path = Path(path_or_run_dir)
    if path.is_file():
        return [path]
    if (path / kind).is_dir():
        path = path / kind
    return sorted(path.glob(f"*{SUFFIX}"))


def iter_raw_pages(path_or_run_dir: Path | str) -> Iterator[RawPage]:
    """Raw pages from one ``raw/<outlet>.jsonl.gz`` file, or from every outlet of a run.

    Args:
        path_or_run_dir: a raw page file, a run directory (its ``raw/`` files are read in
            outlet order) or a ``raw/`` directory.

    Returns:
        An iterator of :class:`RawPage`.
    """
    for path in _files(path_or_run_dir, RAW_DIR):
        for data in iter_jsonl_gz(path):
            yield RawPage.from_dict(data)


def iter_fetch_records(path_or_run_dir: Path | str) -> Iterator[FetchRecord]:
    """Fetch records from one ``fetches/<outlet>.jsonl.gz`` file or a whole run directory."""
    for path in _files(path_or_run_dir, FETCHES_DIR):
        for data in iter_jsonl_gz(path):
            yield FetchRecord.from_dict(data)


# -- files cut by a killed writer ----------------------------------------------------------------

@dataclass(frozen=True)
class FileDamage:
    """A run file that was cut or unreadable, and what was kept of it."""

    path: str  # relative to the run folder: ``fetches/lebrief.jsonl.gz``
    outlet: str
    kind: str  # ``raw`` or ``fetches``
    records: int  # complete records kept (the file now holds exactly these)
    error: str  # what was wrong with it
    kept_as: str  # the original bytes, relative to the run folder

    def line(self) -> str:
        """One line for logs and reports."""
        what = "pages" if self.kind == RAW_DIR else "fetch records"
        return (f"{self.path} was {self.error}: kept its {self.records} complete {what} "
                f"(original bytes in {self.kept_as})")


_CHUNK = 1 << 20


def _decompressed(path: Path) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file (every member), chunk by chunk.

    Raises:
        EOFError: the data ends before its gzip trailer (a killed writer).
        zlib.error, OSError: it is not gzip, or corrupt.
    """
    with path.open("rb") as raw:
        data = raw.read(_CHUNK)
        if not data:
            raise EOFError("empty (0 bytes)")
        inflater = zlib.decompressobj(wbits=31)
        while True:
            out = inflater.decompress(data)
            if out:
                yield out
            if inflater.eof:
                rest = inflater.unused_data
                if not rest.strip(b"\0"):  # gzip allows zero padding after the last member
                    rest = raw.read(_CHUNK)
                    if not rest:
                        return
                inflater = zlib.decompressobj(wbits=31)
                data = rest
                continue
            data = raw.read(_CHUNK)
            if not data:
                tail = inflater.flush()
                if tail:
                    yield tail
                raise EOFError("compressed data ends before its end-of-stream marker")


def file_problem(path: Path | str) -> str | None:
    """None if ``path`` is a whole gzip file, else what is wrong with it (reads it through)."""
    try:
        for _ in _decompressed(Path(path)):
            pass
    except EOFError as exc:
        return f"cut ({exc})"
    except (zlib.error, OSError) as exc:
        return f"unreadable ({exc})"
    return None


def complete_records(path: Path | str) -> Iterator[dict[str, Any]]:
    """The JSON records of a gzip JSON-lines file, as far as they are whole: a cut or corrupt
    file gives every line before the damage that is complete (ends in a newline) and parses."""
    pending = b""
    try:
        for chunk in _decompressed(Path(path)):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    return  # garbage from here on
                if not isinstance(record, dict):
                    return
                yield record
    except (EOFError, zlib.error, OSError):
        return


def salvage(path: Path | str, run_dir: Path | str) -> FileDamage | None:
    """Make a cut or unreadable run file whole: the complete records it holds, in a new file
    under its name; its original bytes kept as ``<name>.damaged`` (``.damaged.1``... if taken).

    Each step leaves a usable state if the process dies (write a temporary file, hard-link the
    original to its new name, then rename the temporary file over the original), and running it
    again finishes the work.

    Returns:
        None if the file was whole (nothing done), else what was kept.
    """
    path, run_dir = Path(path), Path(run_dir)
    problem = file_problem(path)
    if problem is None:
        return None
    tmp = path.with_name(f".{path.name}.salvage")
    records = 0
    with JsonlGzWriter(tmp) as writer:
        for record in complete_records(path):
            writer.write(record)
            records += 1
    with tmp.open("rb") as done:  # on disk before it replaces anything
        os.fsync(done.fileno())
    kept = path.with_name(path.name + DAMAGED_SUFFIX)
    number = 0
    while kept.exists():
        number += 1
        kept = path.with_name(f"{path.name}{DAMAGED_SUFFIX}.{number}")
    try:
        os.link(path, kept)
    except OSError:  # a file system without hard links
        kept.write_bytes(path.read_bytes())
    os.replace(tmp, path)
    return FileDamage(path=str(path.relative_to(run_dir)), outlet=path.name.split(".")[0],
                      kind=path.parent.name, records=records, error=problem,
                      kept_as=str(kept.relative_to(run_dir)))


def salvage_run(run_dir: Path | str, kinds: Iterable[str] = (RAW_DIR, FETCHES_DIR)
                ) -> list[FileDamage]:
    """Salvage every cut or unreadable ``<kind>/*.jsonl.gz`` of a run folder (see
    :func:`salvage`), add them to ``damaged-files.json``, and return those salvaged now."""
    run_dir = Path(run_dir)
    found = [damage for kind in kinds
             for path in sorted((run_dir / kind).glob(f"*{SUFFIX}"))
             if (damage := salvage(path, run_dir)) is not None]
    if found:
        record = {d.path + " " + d.kept_as: d for d in read_damage(run_dir)}
        record.update({d.path + " " + d.kept_as: d for d in found})
        target = run_dir / DAMAGE_FILE
        tmp = target.with_name(f".{DAMAGE_FILE}.tmp")
        tmp.write_text(json.dumps([asdict(d) for d in record.values()], indent=1),
                       encoding="utf-8")
        os.replace(tmp, target)
    return found


def read_damage(run_dir: Path | str) -> list[FileDamage]:
    """What ``salvage_run`` recorded for this run folder (nothing: an empty list)."""
    path = Path(run_dir) / DAMAGE_FILE
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        return [FileDamage(**item) for item in items]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError):
        return []  # the record itself damaged: the files are whole by now, which is what counts
