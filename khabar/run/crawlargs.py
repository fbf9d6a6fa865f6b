"""What one crawl is asked to do: the spider's arguments as one typed object.

The flow builds a :class:`CrawlArgs` per outlet and passes it whole, as one spider argument
(``scrapy crawl <outlet> -a crawl_args=<JSON>``: :meth:`CrawlArgs.spider_argument`); the spider
reads it back with :meth:`CrawlArgs.from_spider_kwargs`. Names, types, defaults and the checks
between them (``until`` not before ``since``, a backfill needs ``since``) live here only: before,
fourteen arguments were formatted as strings in the flow and parsed back one by one in the
spider. A person may still type loose arguments (``-a since=2026-11-01 -a max_pages=20``): they
are read by the same model.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

# The spider argument carrying the whole object as JSON.
ARGUMENT = "crawl_args"
# The crawl settings (``-s``) that send every request of a crawl to a loopback replay server
# instead of the web (``spiders/snapshot_handler.py``): a WARC to serve, or a running server's
# host map. A night crawling through either needs no network (``pipeline.night``).
REPLAY_SETTINGS = ("SNAPSHOT_WARC", "SNAPSHOT_HOSTS")
# Strings a loose flag argument (``-a backfill=1``) counts as true with; anything else is false.
_TRUE = frozenset({"1", "true", "yes", "on"})


class CrawlArgs(BaseModel):
    """One crawl's arguments. Paths are the run folder's (``khabar.run.RunFolder``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_dir: Path | None = None  # where the crawl writes; default <runs dir>/<run_id>
    run_id: str | None = None  # stamped on every record; default the UTC time
    since: date | None = None  # skip feed/sitemap entries dated before this (outlet time zone)
    until: date | None = None  # skip entries dated after this day (backfills)
    max_pages: int | None = None  # article pages fetched, at most
    listing_pages: int | None = None  # pages of each paginated listing (default: registry's)
    backfill: bool = False  # walk back to ``since``: no conditional GETs, listings to the end
    rediscover: bool = False  # read every source whole: one failed last night
    # The crawl's state, written from the warehouse (formats in ``khabar.run.state``).
    seen_file: Path | None = None
    known_file: Path | None = None
    validators_file: Path | None = None
    retry_file: Path | None = None
    recheck_file: Path | None = None

    @field_validator("since", "until", mode="before")
    @classmethod
    def _day(cls, value: Any, info: Any) -> date | None:
        if value in (None, "") or isinstance(value, date):
            return value or None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"{info.field_name} must be YYYY-MM-DD, got {value!r}") from None

    @field_validator("max_pages", "listing_pages", mode="before")
    @classmethod
    def _count(cls, value: Any, info: Any) -> int | None:
        number = int(value) if value not in (None, "") else None
        if number is not None and number < 0:
            raise ValueError(f"{info.field_name} must be >= 0, got {value!r}")
        return number

    @field_validator("backfill", "rediscover", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        return value if isinstance(value, bool) else str(value or "").lower() in _TRUE

    @model_validator(mode="after")
    def _window(self) -> CrawlArgs:
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until {self.until} is before since {self.since}")
        if self.backfill and self.since is None:
            raise ValueError("backfill needs since=YYYY-MM-DD (how far back to go)")
        return self

    def spider_argument(self) -> str:
        """``crawl_args=<JSON>``, what follows ``-a`` on the ``scrapy crawl`` command line
        (fields left at their default are left out)."""
        return f"{ARGUMENT}={self.model_dump_json(exclude_defaults=True)}"

    @classmethod
    def from_spider_kwargs(cls, kwargs: dict[str, Any]) -> tuple[CrawlArgs, dict[str, Any]]:
        """The arguments a spider was given: the ``crawl_args`` JSON and any loose ones (which
        win), validated together.

        Returns:
            The arguments, and the keyword arguments that are none of them (Scrapy's own).

        Raises:
            pydantic.ValidationError: a bad value (a ``ValueError``: the message names it).
        """
        rest = dict(kwargs)
        whole = rest.pop(ARGUMENT, None)
        loose = {name: rest.pop(name) for name in list(rest) if name in cls.model_fields}
        base = cls.model_validate_json(whole).model_dump(exclude_defaults=True) if whole else {}
        return cls.model_validate({**base, **loose}), rest
