"""Golden files (Fundus style): stored pages per outlet and the record a perfect extractor gives.

``tests/golden/<outlet>/`` holds ``<outlet>_<YYYY_MM_DD>_<n>.html.gz`` (the page as fetched),
``meta.json`` (per file: URL, crawl date, response headers, where the page comes from) and
``expected.json`` (per file: the extractor-independent fields of the record, keys sorted, empty
values left out). ``scripts/generate_golden.py`` writes them; the golden test and the extraction
benchmark read them through ``load_golden``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from transforms.record import Article

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "tests" / "golden"

# What any correct extractor must produce: no extractor name, no word count, no free-text
# description whose wording is the outlet's choice.
GOLDEN_FIELDS = (
    "authors", "canonical_url", "categories", "language", "original_outlet",
    "original_published_at", "original_url", "paragraphs", "published_at", "tags", "title",
    "verdict",
)
# Pages of the bundled snapshot outlets; every other source is a page of another theme, the
# "general" set on which we must never do worse than bare trafilatura.
SNAPSHOT_SOURCE = "snapshot"


def golden_record(article: Article) -> dict[str, Any]:
    """The golden fields of ``article``, JSON-ready, keys sorted, empty values left out."""
    data = article.model_dump(mode="python", include=set(GOLDEN_FIELDS))
    record: dict[str, Any] = {}
    for key in sorted(data):
        value = data[key]
        if isinstance(value, datetime):
            value = value.isoformat()
        elif hasattr(value, "value"):  # Verdict
            value = value.value
        if value in (None, "", [], {}):
            continue
        record[key] = value
    return record


@dataclass(frozen=True)
class GoldenPage:
    """One stored page with its metadata and expected record."""

    outlet: str
    name: str
    url: str
    crawl_date: str
    headers: dict[str, str]
    source: str
    body: bytes
    expected: dict[str, Any]

    @property
    def general(self) -> bool:
        """A page of a theme outside the snapshot (the never-worse-than-trafilatura set)."""
        return self.source != SNAPSHOT_SOURCE


def read_json(path: Path) -> dict[str, Any]:
    """A golden JSON file (UTF-8)."""
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a golden JSON file: sorted keys, readable non-ASCII, trailing newline."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def load_golden(root: Path = GOLDEN_DIR) -> list[GoldenPage]:
    """Every golden page under ``root``, by outlet then file name.

    Raises:
        KeyError: a stored page has no ``meta.json`` entry.
    """
    pages = []
    for outlet_dir in sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []:
        meta = read_json(outlet_dir / "meta.json")
        expected_path = outlet_dir / "expected.json"
        expected = read_json(expected_path) if expected_path.exists() else {}
        for path in sorted(outlet_dir.glob("*.html.gz")):
            name = path.name.removesuffix(".html.gz")
            info = meta[name]
            pages.append(GoldenPage(
                outlet=outlet_dir.name, name=name, url=info["url"],
                crawl_date=info["crawl_date"], headers=dict(info.get("headers", {})),
                source=info.get("source", SNAPSHOT_SOURCE),
                body=gzip.decompress(path.read_bytes()), expected=expected.get(name, {}),
            ))
    return pages
