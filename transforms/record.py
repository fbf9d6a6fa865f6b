"""The article record: the one shape every stage after extraction agrees on.

Field names follow one glossary (as Fundus's attribute guidelines do): the extractor fills them,
the flow writes them to Parquet, the warehouse loads them by name. Add a field here first.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Verdict(StrEnum):
    """What a fetched page turned out to be. Only ``article`` pages become articles."""

    ARTICLE = "article"
    LISTING = "listing"
    SOFT_404 = "soft_404"
    TOO_SHORT = "too_short"
    PAYWALLED = "paywalled"
    NOT_HTML = "not_html"
    BLOCKED = "blocked"  # a bot challenge or captcha wall served with status 200: retried
    ERROR = "error"


class ExtractionHints(BaseModel):
    """Per-outlet knowledge the extractor may use; every field is optional.

    Lives here (not in the registry) so that ``transforms`` depends on nothing but itself.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Africa/Casablanca"
    language: str | None = None
    remove_selectors: tuple[str, ...] = ()
    body_selector: str | None = None
    aggregator: bool = False
    # The outlet's article URL patterns (regular expressions; ``ignore_patterns`` win): a page
    # whose URL matches is an article by the registry's word, never thrown away by a heuristic
    # gate (``verdict.article_evidence``).
    article_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()


class Embed(BaseModel):
    """A post the article embeds (a quote it relies on), kept out of its body
    (``transforms.embeds``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str  # twitter, instagram, facebook, tiktok, youtube
    url: str | None = None  # the post's canonical address (tracking parameters dropped)
    author: str | None = None  # display name, as the embed code prints it
    handle: str | None = None  # account name without "@"
    text: str | None = None  # what the post says (a video: its title)


class Article(BaseModel):
    """One extracted page. ``verdict`` says whether the rest is meaningful."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    reason: str | None = None
    outlet: str
    url: str
    canonical_url: str
    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = Field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    description: str | None = None
    image: str | None = None
    paragraphs: list[str] = Field(default_factory=list)
    text: str = ""
    word_count: int = 0
    extractor: str = ""
    extractor_version: str = ""
    # Aggregator copies (maghress "Publié dans X le DD - MM - YYYY"): what they reproduce.
    original_outlet: str | None = None
    original_published_at: datetime | None = None
    original_url: str | None = None
    # Embedded posts, in reading order; their text is not in ``text``.
    embeds: list[Embed] = Field(default_factory=list)
