"""The golden record is the product's (a pure function of an ``Article``); the golden files are
the tests' (``tests.support.golden``): no product module knows the test folder."""

from __future__ import annotations

import ast
from datetime import UTC, datetime

from tests.support import ROOT
from transforms.golden import GOLDEN_FIELDS, golden_record
from transforms.record import Article, Verdict

PRODUCT = ("flows", "khabar", "pipeline", "registry", "snapshot", "spiders", "transforms",
           "warehouse")


def test_the_record_keeps_the_golden_fields_sorted_and_drops_empty_ones() -> None:
    article = Article(verdict=Verdict.ARTICLE, outlet="lebrief", url="https://x.ma/a",
                      canonical_url="https://x.ma/a", title="Titre", authors=["A. B."],
                      published_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), paragraphs=["Un."],
                      description="not golden", word_count=1, extractor="generic")
    record = golden_record(article)
    assert record == {"authors": ["A. B."], "canonical_url": "https://x.ma/a",
                      "paragraphs": ["Un."], "published_at": "2026-01-02T03:04:00+00:00",
                      "title": "Titre", "verdict": "article"}
    assert list(record) == sorted(record) and set(record) <= set(GOLDEN_FIELDS)


def _names_the_tests(source: str) -> list[int]:
    """Lines of ``source`` that import from ``tests`` or spell the folder's name in code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
            found.append(node.lineno)
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "tests"
                                                  for a in node.names):
            found.append(node.lineno)
        elif isinstance(node, ast.Constant) and node.value in ("tests", "tests/golden"):
            found.append(node.lineno)
    return found


def test_no_product_module_knows_the_test_folder() -> None:
    assert sorted(_names_the_tests('GOLDEN = Path(__file__).parents[1] / "tests" / "golden"\n'
                                   "from tests.support import ROOT\n")) == [1, 2]
    found = {str(path.relative_to(ROOT)): lines for package in PRODUCT
             for path in sorted((ROOT / package).rglob("*.py"))
             if (lines := _names_the_tests(path.read_text(encoding="utf-8")))}
    assert found == {}
