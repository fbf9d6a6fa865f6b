"""The run folder's one owner (``khabar.run``), the crawl's typed arguments, and where things live
(``khabar.paths``)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from khabar.paths import PROJECT_ROOT, default_db_path
from khabar.run import RunFolder, layout
from khabar.run.crawlargs import CrawlArgs
from tests.support import ROOT
from tests.support.source import code_strings

# The names only the run folder's owner may spell (a path joined elsewhere drifts from it).
OWNED = {layout.ARTICLES_FILE, layout.PAGES_FILE, layout.DAMAGE_FILE, layout.HINTS_FILE,
         layout.TRENDS_FILE, layout.MARKER, layout.JSONL_GZ, layout.VALIDATORS_SUFFIX,
         layout.PLAN_SUFFIX}


def _string_constants(path: Path) -> set[str]:
    """String literals of a module that are code, not documentation."""
    return {node.value for node in code_strings(ast.parse(path.read_text(encoding="utf-8")))}


def test_no_stage_spells_a_run_folder_name() -> None:
    """Every stage asks ``RunFolder`` for its paths; no module outside ``khabar/run`` writes a
    run-folder file name in its code."""
    found = []
    for package in ("flows", "pipeline", "spiders", "transforms", "warehouse", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for text in _string_constants(path):
                # prose (a help text, a report line) may name a file; a path has no space
                if not any(c.isspace() for c in text) and any(n in text for n in OWNED):
                    found.append(f"{path.relative_to(ROOT)}: {text[:60]!r}")
    assert found == []


def test_a_marked_folder_names_its_run(tmp_path: Path) -> None:
    run_id = layout.new_run_id()
    assert layout.RUN_ID.match(run_id) and layout.run_started(run_id) is not None
    folder = RunFolder(tmp_path / run_id)
    assert folder.marked_run_id() is None
    folder.mark(run_id, "nightly")
    assert folder.marked_run_id() == run_id


def test_crawl_args_round_trip_through_the_spider_argument(tmp_path: Path) -> None:
    args = CrawlArgs(run_dir=tmp_path, run_id="r", since=date(2026, 1, 1), max_pages=3,
                     backfill=True, seen_file=tmp_path / "seen.txt")
    name, value = args.spider_argument().split("=", 1)
    back, rest = CrawlArgs.from_spider_kwargs({name: value, "extra": "kept for Scrapy"})
    assert back == args and rest == {"extra": "kept for Scrapy"}


def test_loose_arguments_typed_by_hand_are_read_by_the_same_model() -> None:
    args, _ = CrawlArgs.from_spider_kwargs({"since": "2026-11-01", "max_pages": "20",
                                            "backfill": "1", "rediscover": "no"})
    assert (args.since, args.max_pages, args.backfill, args.rediscover) == (
        date(2026, 11, 1), 20, True, False)
    whole = CrawlArgs(max_pages=5).spider_argument().split("=", 1)[1]
    args, _ = CrawlArgs.from_spider_kwargs({"crawl_args": whole, "max_pages": "7"})
    assert args.max_pages == 7  # a loose argument wins over the object


@pytest.mark.parametrize(("fields", "message"), [
    ({"since": "2026-11-02", "until": "2026-11-01"}, "before since"),
    ({"until": "01/11/2026"}, "until must be YYYY-MM-DD"),
    ({"backfill": True}, "backfill needs since"),
    ({"max_pages": -1}, "max_pages must be >= 0"),
    ({"max_page": 3}, "max_page"),
])
def test_bad_crawl_arguments_are_refused_with_their_name(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CrawlArgs(**fields)


def test_one_default_warehouse_wherever_it_is_run_from(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m warehouse`` and the flows open the same file by default: before, the command
    line took ``warehouse/news.duckdb`` relative to its working directory, so run from
    elsewhere it created another, empty warehouse. An empty ``KHABAR_DB`` is no path."""
    monkeypatch.delenv("KHABAR_DB", raising=False)
    assert default_db_path() == PROJECT_ROOT / "warehouse" / "news.duckdb"
    monkeypatch.setenv("KHABAR_DB", "")
    assert default_db_path() == PROJECT_ROOT / "warehouse" / "news.duckdb"
    probe = ("import argparse; from warehouse.__main__ import _db; "
             "print(_db(argparse.Namespace(db=None)))")
    env = {k: v for k, v in os.environ.items() if k != "KHABAR_DB"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert Path(done.stdout.strip()) == PROJECT_ROOT / "warehouse" / "news.duckdb"
    assert not (tmp_path / "warehouse").exists()
