"""The golden files (Fundus style): stored pages per outlet with their expected records.

``tests/golden/<outlet>/`` holds ``<outlet>_<YYYY_MM_DD>_<n>.html.gz`` (the page as fetched),
``meta.json`` (per file: URL, crawl date, response headers, where the page comes from) and
``expected.json`` (per file: ``transforms.golden.golden_record`` of the reviewed extraction,
keys sorted, empty values left out). ``scripts/generate_golden.py`` writes them; the golden
tests and the extraction benchmark (``bench.extraction``) read them through ``load_golden``.
The product knows nothing of this folder: only the record's form is ``transforms.golden``'s.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import TESTS

GOLDEN_DIR = TESTS / "golden"

# Pages of the bundled snapshot outlets; every other source is a page of another theme, the
# "general" set on which we must never do worse than bare trafilatura.
SNAPSHOT_SOURCE = "snapshot"


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
