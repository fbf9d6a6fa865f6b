"""Typed flow parameters: Prefect validates them and builds the run form from these models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

OutletId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="registry id")]
# A Scrapy setting name passed to every crawl of a run (``-s NAME=VALUE``).
SettingName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$", description="Scrapy setting")]
CrawlSettings = dict[SettingName, str]


def latest_today() -> date:
    """The date it is now somewhere on Earth (UTC+14): a later day has not begun anywhere, so
    nothing can have been published on it, whatever the outlet's or the user's time zone."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


class CrawlScope(BaseModel):
    """Which outlets to crawl and which window of their publications."""

    model_config = ConfigDict(extra="forbid")

    outlets: list[OutletId] | None = Field(
        None, description="registry ids; empty means every outlet (or the snapshot's)")
    since: date | None = Field(None, description="skip feed/sitemap entries dated before this")
    until: date | None = Field(
        None, description="skip entries dated after this (only if the spider accepts `until`)")
    max_pages: int = Field(1000, ge=1, le=100_000, description="article pages per outlet")

    @model_validator(mode="after")
    def _window(self) -> CrawlScope:
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until ({self.until}) is before since ({self.since})")
        today = latest_today()
        for name in ("since", "until"):
            day = getattr(self, name)
            if day and day > today:
                raise ValueError(f"{name} ({day}) is in the future (today is {date.today()})")
        return self
