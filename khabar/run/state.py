"""The crawl's state files: what a crawl is told about earlier runs (formats and their one reader
and writer).

The flow reads the warehouse and writes five files per outlet into the run folder before the
crawl (spiders never open the database; paths: ``RunFolder.state_file``); the crawl writes one
after. No Scrapy import: plain files and functions.

* ``seen/<outlet>.txt``: canonical URLs already stored (and URLs that answered 404/410 lately),
  one a line: never fetched again.
* ``known/<outlet>.json``: ``{canonical URL: last fetched_at (ISO 8601)}``: like ``seen``, except
  an article whose sitemap ``lastmod`` (or feed ``updated``) is newer than its last fetch is
  fetched again to pick up its update.
* ``validators/<outlet>.json``: ``{URL: {"etag": ..., "last_modified": ..., "fetched_at": ...}}``
  for feeds and sitemaps: sent back as ``If-None-Match``/``If-Modified-Since`` so an unchanged
  source costs a 304 and no body. The URL is the source's with its secrets redacted
  (``spiders.redact.redact_url``: a paid feed's ``?token=`` becomes ``REDACTED``), so the
  warehouse, whose ``http_validators`` analysts read, never holds a secret. ``fetched_at``
  (optional) also lets a sitemap index skip child sitemaps whose ``lastmod`` is not newer than
  our last fetch of them.
* ``retry/<outlet>.json``: ``{URL: {"attempts": n, "error": "..."}}``: URLs whose fetch failed on
  earlier nights (a 5xx, a timeout, a bot challenge...) and that no stored article holds. The
  crawl requests each again even when no source lists it any more (a feed answering 304, a
  listing stopping at its first page of known articles would hide it forever). ``attempts``
  (nights failed so far) and ``error`` are for logs; when to give up is the retry policy's
  (``khabar.retry``). Beside it, ``retry/<outlet>.plan.json``, the whole plan, for people and
  the run report.
* ``recheck/<outlet>.json``: ``{canonical URL: {"etag", "last_modified", "due"}}``: stored
  articles due for a conditional re-check for edits after publication (issue 14;
  ``warehouse.rechecks`` says which): ``etag``/``last_modified`` of our last fetch of the page
  (either may be null), ``due`` for people. A 304 costs no body and stores nothing.
* written by the crawl: ``crawl/<outlet>.validators.json``, the validators format, for every
  feed or sitemap that answered 200 or 304 with a validator in this run; the warehouse keeps
  them (``warehouse.validators.load_validators``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from khabar.dates import parse_date
from khabar.run.layout import KNOWN, RECHECK, RETRY, SEEN, VALIDATORS, RunFolder
from khabar.urls import try_canonical_url

# The crawl arguments (``khabar.run.crawlargs.CrawlArgs``) that name each state file.
STATE_ARGS = {"seen_file": SEEN, "known_file": KNOWN, "validators_file": VALIDATORS,
              "retry_file": RETRY, "recheck_file": RECHECK}


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
    known: dict[str, datetime] = {}
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
    tmp = RunFolder.tmp(path)
    tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_recheck_file(path: Path | str) -> dict[str, Validators]:
    """``{canonical URL: validators of our last fetch}`` from a recheck file.

    Raises:
        ValueError: the file is not a JSON object of objects.
    """
    found = {}
    for url, validators in read_validators_file(path).items():
        canonical = try_canonical_url(url)
        if canonical:
            found[canonical] = Validators(etag=validators.etag,
                                          last_modified=validators.last_modified)
    return found


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


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
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


# -- writing (the flow, from the warehouse) -----------------------------------------------------

def write_crawl_state(folder: RunFolder, outlet: str, *, seen: Iterable[str],
                      known: dict[str, str], validators: dict[str, dict[str, Any]],
                      retry: dict[str, dict[str, Any]], recheck: dict[str, dict[str, Any]],
                      ) -> dict[str, Path]:
    """Write one outlet's five state files.

    Returns:
        The crawl arguments naming them: ``{"seen_file": path, ...}`` (``STATE_ARGS``).
    """
    texts = {
        SEEN: "".join(f"{url}\n" for url in seen),
        KNOWN: json.dumps(known),
        VALIDATORS: json.dumps(validators),
        RETRY: json.dumps(retry, indent=1),
        RECHECK: json.dumps(recheck, indent=1),
    }
    return {arg: _write(folder.state_file(kind, outlet), texts[kind])
            for arg, kind in STATE_ARGS.items()}


def write_plan(folder: RunFolder, outlet: str, plan: dict[str, Any]) -> Path:
    """Write the outlet's retry plan (``khabar.retry.RetryPlan`` as a dict)."""
    return _write(folder.plan_file(outlet), json.dumps(plan, indent=1))


def read_plans(folder: RunFolder) -> dict[str, dict[str, Any]]:
    """Per outlet, the counts of its retry plan (for the run record)."""
    plans = {}
    for path in folder.plan_files():
        plan = json.loads(path.read_text(encoding="utf-8"))
        plans[plan["outlet"]] = {"retried": len(plan["retry"]),
                                 "given_up": sorted(plan["given_up"]),
                                 "rediscover": plan["rediscover"],
                                 "gone": plan.get("gone", 0)}
    return plans


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
