"""Raw run files: the contract between the crawl and everything after it.

Layout and fields follow docs/architecture.md ("Raw page file"):

* ``<run_dir>/raw/<outlet>.jsonl.gz``: one :class:`RawPage` per fetched article page;
* ``<run_dir>/fetches/<outlet>.jsonl.gz``: one :class:`FetchRecord` per request outcome.

No Scrapy import here: the flow and the transforms read these files without a crawler.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

RAW_DIR = "raw"
FETCHES_DIR = "fetches"
CRAWL_DIR = "crawl"
SUFFIX = ".jsonl.gz"


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
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = gzip.open(self.path, "wt", encoding="utf-8")
        self.count = 0

    def write(self, record: RawPage | FetchRecord | dict[str, Any]) -> None:
        # Shallow: ``dataclasses.asdict`` deep-copies every headers dict and sources list only
        # for json.dumps to read them once (~0.1 ms a record, a crawl's profile showed).
        data = record if isinstance(record, dict) else {
            name: getattr(record, name) for name in record.__dataclass_fields__}
        self._file.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
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
