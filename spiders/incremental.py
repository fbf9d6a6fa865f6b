"""What a crawl is told about earlier runs, and what it leaves for the next one.

The flow reads the warehouse and writes four files per outlet before the crawl (spiders never
open the database); the crawl writes one after. No Scrapy import: plain files and functions.

* ``seen_file``: canonical URLs already stored, one a line: never fetched again.
* ``known_file``: JSON ``{canonical URL: last fetched_at (ISO 8601)}``: like ``seen``, except an
  article whose sitemap ``lastmod`` (or feed ``updated``) is newer than its last fetch is
  fetched again to pick up its update.
* ``validators_file``: JSON ``{URL: {"etag": ..., "last_modified": ..., "fetched_at": ...}}``
  for feeds and sitemaps: sent back as ``If-None-Match``/``If-Modified-Since`` so an unchanged
  source costs a 304 and no body. The URL is the source's with its secrets redacted
  (``spiders.redact.redact_url``: a paid feed's ``?token=`` becomes ``REDACTED``), so the
  warehouse, whose ``http_validators`` analysts read, never holds a secret. ``fetched_at``
  (optional) also lets a sitemap index skip child sitemaps whose ``lastmod`` is not newer than
  our last fetch of them.
* ``retry_file``: JSON ``{URL: {"attempts": n, "error": "..."}}``: URLs whose fetch failed on
  earlier nights (a 5xx, a timeout, a bot challenge...) and that no stored article holds. The
  crawl requests each again even when no source lists it any more (a feed answering 304, a
  listing stopping at its first page of known articles would hide it forever). ``attempts``
  (nights failed so far) and ``error`` are for logs; the flow stops listing a URL after a few
  nights (``warehouse.retries``).
* written by the crawl: ``<run_dir>/crawl/<outlet>.validators.json``, the same format, for
  every feed or sitemap that answered 200 or 304 with a validator in this run; the warehouse
  keeps them (``warehouse.validators.load_validators``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from khabar.urls import try_canonical_url
from spiders.discovery import parse_date

VALIDATORS_SUFFIX = ".validators.json"


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators of one feed or sitemap URL."""

    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None

    def request_headers(self) -> dict[str, str]:
        """``If-None-Match``/``If-Modified-Since`` for a conditional GET (empty: none known)."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    @property
    def fetched(self) -> datetime | None:
        return _aware(parse_date(self.fetched_at))


def read_seen_file(path: Path | str) -> frozenset[str]:
    """Canonical URLs of a seen file (one a line; blank lines and ``#`` comments skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    urls = (try_canonical_url(line) for line in lines if line.strip()
            and not line.lstrip().startswith("#"))
    return frozenset(url for url in urls if url)


def read_known_file(path: Path | str) -> dict[str, datetime]:
    """``{canonical URL: last fetch time (aware, UTC if the file gave no zone)}``.

    Raises:
        ValueError: the file is not a JSON object of strings.
    """
    data = _json_object(path, "known_file")
    known = {}
    for url, when in data.items():
        canonical = try_canonical_url(url) if isinstance(url, str) else None
        fetched = _aware(parse_date(when)) if isinstance(when, str) else None
        if canonical is None or fetched is None:
            raise ValueError(f"known_file {path}: bad entry {url!r}: {when!r}")
        known[canonical] = max(fetched, known.get(canonical, fetched))
    return known


def read_retry_file(path: Path | str) -> dict[str, int]:
    """``{canonical URL: nights failed so far}`` from a retry file (non-URLs are skipped).

    Raises:
        ValueError: the file is not a JSON object of objects.
    """
    retry = {}
    for url, entry in _object_entries(path, "retry_file"):
        canonical = try_canonical_url(url) if isinstance(url, str) else None
        attempts = entry.get("attempts")
        if canonical:
            retry[canonical] = attempts if isinstance(attempts, int) else 0
    return retry


def read_validators_file(path: Path | str) -> dict[str, Validators]:
    """``{URL: Validators}`` from a validators file (unknown keys in an entry are ignored).

    Raises:
        ValueError: the file is not a JSON object of objects.
    """
    found = {}
    for url, entry in _object_entries(path, "validators_file"):
        found[url] = Validators(**{k: _str_or_none(entry.get(k))
                                   for k in Validators.__dataclass_fields__})
    return found


def write_validators_file(path: Path | str, validators: dict[str, Validators]) -> Path:
    """Write ``validators`` (sorted by URL) atomically: a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {url: asdict(v) for url, v in sorted(validators.items())}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def validators_from_headers(headers: dict[str, str], fetched_at: str) -> Validators | None:
    """The validators of a response (lower-case header names), or None when it has none."""
    etag = headers.get("etag") or None
    last_modified = headers.get("last-modified") or None
    if etag is None and last_modified is None:
        return None
    return Validators(etag=etag, last_modified=last_modified, fetched_at=fetched_at)


def is_updated(modified: datetime | None, last_fetched: datetime | None) -> bool:
    """True when a source's ``modified`` date is later than our last fetch of the page.

    A date without a time zone is read as UTC (it can only make a refetch a few hours early or
    late); no date, or no earlier fetch, is never an update.
    """
    if modified is None or last_fetched is None:
        return False
    return _aware(modified) > _aware(last_fetched)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _object_entries(path: Path | str, what: str) -> list[tuple[str, dict]]:
    """The ``(key, entry)`` pairs of a JSON object of objects; any other entry is an error."""
    entries = list(_json_object(path, what).items())
    for key, entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(f"{what} {path}: entry for {key!r} is not an object")
    return entries


def _json_object(path: Path | str, what: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path} must hold a JSON object")
    return data
