"""Per-outlet golden files (Fundus style): every stored page extracts to its expected record.

``tests/golden/<outlet>/`` is written by ``scripts/generate_golden.py`` (``-oj`` rewrites only the
JSON); see ``tests/support/golden.py`` for the layout. Outlet hints come from the registry, as in
production. The pages of themes outside the snapshot are also the "general" set on which our
extraction must never score below bare trafilatura.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trafilatura

from bench.extraction import token_f1
from tests.support.golden import GOLDEN_DIR, GoldenPage, load_golden
from transforms.extract import extract_article
from transforms.golden import golden_record

PAGES = load_golden()
OUTLET_DIRS = sorted(p for p in GOLDEN_DIR.iterdir() if p.is_dir())
GENERAL = [p for p in PAGES if p.general]


@pytest.fixture(scope="module")
def hints() -> dict:
    from registry import load_outlets

    return {o.id: o.extraction_hints for o in load_outlets().values()}


def _key_orders(value: Any) -> list[list[str]]:
    """Every object's keys in file order, nested objects included."""
    found = []
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        found.append([k for k, _ in value])
        for _, v in value:
            found += _key_orders(v)
    elif isinstance(value, list):
        for v in value:
            found += _key_orders(v)
    return found


def _empty_values(value: Any, path: str = "") -> list[str]:
    if value in (None, "", [], {}):
        return [path]
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _empty_values(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _empty_values(v, f"{path}[{i}]")]
    return []


def _registry_ids() -> list[str]:
    from registry import load_outlets

    return sorted(load_outlets())


REGISTRY_IDS = _registry_ids()


@pytest.mark.parametrize("outlet", REGISTRY_IDS)
def test_every_registry_outlet_has_golden_pages(outlet: str) -> None:
    """Fundus's rule: an outlet in the registry without golden data is a failing test, so adding
    an outlet means adding its page and expected record (``scripts/generate_golden.py``)."""
    pages = [p for p in PAGES if p.outlet == outlet]
    assert pages, f"{outlet}: in registry/outlets.yaml but no page under tests/golden/{outlet}/"
    assert all(p.expected for p in pages), f"{outlet}: a page without an expected record"


def test_golden_data_exists() -> None:
    assert len(OUTLET_DIRS) >= 9
    for folder in OUTLET_DIRS:
        pages = sorted(p.name.removesuffix(".html.gz") for p in folder.glob("*.html.gz"))
        assert pages, f"{folder.name}: no stored page"
        for name in ("meta.json", "expected.json"):
            assert (folder / name).exists(), f"{folder.name}: no {name}"
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        assert sorted(meta) == pages, f"{folder.name}: meta.json does not list the pages"
        assert sorted(expected) == pages, f"{folder.name}: expected.json does not list the pages"
        for name in pages:
            assert name.startswith(f"{folder.name}_")
            assert meta[name]["url"].startswith("https://") and meta[name]["crawl_date"]


@pytest.mark.parametrize("folder", OUTLET_DIRS, ids=[p.name for p in OUTLET_DIRS])
def test_golden_json_keys_sorted_and_nothing_empty(folder: Path) -> None:
    for name in ("meta.json", "expected.json"):
        pairs = json.loads((folder / name).read_text(encoding="utf-8"),
                           object_pairs_hook=lambda items: list(items))
        for keys in _key_orders(pairs):
            assert keys == sorted(keys), f"{folder.name}/{name}: keys not sorted: {keys}"
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert not _empty_values(expected), f"{folder.name}: empty expected values"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_golden_file_matches(page: GoldenPage, hints: dict) -> None:
    article = extract_article(page.body, page.url, outlet=page.outlet, headers=page.headers,
                              hints=hints.get(page.outlet))
    assert golden_record(article) == page.expected


@pytest.mark.parametrize("page", GENERAL, ids=[p.name for p in GENERAL])
def test_never_worse_than_bare_trafilatura(page: GoldenPage) -> None:
    """On pages of other themes, and with no registry hints, ours scores at least bare's F1."""
    truth = "\n".join(page.expected["paragraphs"])
    ours = extract_article(page.body, page.url, outlet=page.outlet, headers=page.headers).text
    bare = trafilatura.extract(page.body, url=page.url) or ""
    assert token_f1(ours, truth) >= token_f1(bare, truth)
    assert token_f1(ours, truth) >= 0.99
