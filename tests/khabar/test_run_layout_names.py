"""The run folder's on-disk names, pinned once, literally (``khabar.run.layout``).

The names are a compatibility promise: run folders written by earlier versions must stay
readable (the load, salvage and retention read folders kept from older nights; a re-extraction's
folder keeps its pages in ``source/``), so a rename must fail a test, here. Every other test asks
``RunFolder`` or the layout constants for a path, so that this is the only test file spelling
the names; the last tests keep it so.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from khabar.run import layout
from khabar.run.layout import RunFolder
from tests.support import ROOT
from tests.support.source import code_strings

# Every on-disk name the layout defines, as earlier versions wrote it.
NAMES = {
    "RAW": "raw",
    "FETCHES": "fetches",
    "CRAWL": "crawl",
    "LOGS": "logs",
    "SEEN": "seen",
    "KNOWN": "known",
    "VALIDATORS": "validators",
    "RETRY": "retry",
    "RECHECK": "recheck",
    "SOURCE": "source",
    "JSONL_GZ": ".jsonl.gz",
    "VALIDATORS_SUFFIX": ".validators.json",
    "PLAN_SUFFIX": ".plan.json",
    "DAMAGED_SUFFIX": ".damaged",
    "TMP_SUFFIX": ".tmp",
    "ARTICLES_FILE": "articles.parquet",
    "PAGES_FILE": "pages.parquet",
    "DAMAGE_FILE": "damaged-files.json",
    "HINTS_FILE": "extraction-hints.json",
    "TRENDS_FILE": "trends.svg",
    "MARKER": ".khabar-run",
}
# String constants of the layout that name no file: a command, not a path.
NOT_NAMES = {"EXTRACT_MODULE", "EXTRACT_COMMAND"}
# RunFolder's public members that are not paths (the marker's content, the folder itself).
NOT_PATHS = {"path", "mark", "claim", "marked_run_id"}


def test_every_layout_name_is_pinned() -> None:
    defined = {name: value for name, value in vars(layout).items()
               if name.isupper() and isinstance(value, str) and name not in NOT_NAMES}
    assert defined == NAMES


def test_the_per_outlet_paths(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    assert folder.raw_file("lebrief") == tmp_path / "raw" / "lebrief.jsonl.gz"
    assert folder.fetches_file("lebrief") == tmp_path / "fetches" / "lebrief.jsonl.gz"
    assert folder.outlet_file(layout.RAW, "a") == tmp_path / "raw" / "a.jsonl.gz"
    assert folder.outlet_file(layout.FETCHES, "a") == tmp_path / "fetches" / "a.jsonl.gz"
    assert folder.crawl_stats_file("lebrief") == tmp_path / "crawl" / "lebrief.json"
    assert (folder.crawl_validators_file("lebrief")
            == tmp_path / "crawl" / "lebrief.validators.json")
    assert folder.log_file("lebrief") == tmp_path / "logs" / "lebrief.log"
    assert folder.plan_file("lebrief") == tmp_path / "retry" / "lebrief.plan.json"
    state = {kind: folder.state_file(kind, "lebrief") for kind in
             (layout.SEEN, layout.KNOWN, layout.VALIDATORS, layout.RETRY, layout.RECHECK)}
    assert state == {"seen": tmp_path / "seen" / "lebrief.txt",
                     "known": tmp_path / "known" / "lebrief.json",
                     "validators": tmp_path / "validators" / "lebrief.json",
                     "retry": tmp_path / "retry" / "lebrief.json",
                     "recheck": tmp_path / "recheck" / "lebrief.json"}


def test_the_run_wide_paths(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    assert folder.articles == tmp_path / "articles.parquet"
    assert folder.pages == tmp_path / "pages.parquet"
    assert folder.damage_file == tmp_path / "damaged-files.json"
    assert folder.hints_file == tmp_path / "extraction-hints.json"
    assert folder.trends_file == tmp_path / "trends.svg"
    assert folder.marker == tmp_path / ".khabar-run"
    assert folder.raw_dir == tmp_path / "raw"
    assert folder.source_dir == tmp_path / "source"
    assert RunFolder.tmp(folder.articles) == tmp_path / "articles.parquet.tmp"
    assert (RunFolder.hidden_tmp(folder.crawl_stats_file("lebrief"))
            == tmp_path / "crawl" / ".lebrief.json.tmp")


def test_the_listings_find_what_earlier_versions_wrote(tmp_path: Path) -> None:
    for name in ("raw/b.jsonl.gz", "raw/a.jsonl.gz", "raw/a.jsonl.gz.damaged",
                 "fetches/a.jsonl.gz", "crawl/a.json", "crawl/a.validators.json",
                 "retry/a.json", "retry/a.plan.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    folder = RunFolder(tmp_path)
    assert folder.raw_files() == [tmp_path / "raw" / "a.jsonl.gz", tmp_path / "raw" / "b.jsonl.gz"]
    assert folder.fetch_files() == [tmp_path / "fetches" / "a.jsonl.gz"]
    assert folder.crawl_stats_files() == [tmp_path / "crawl" / "a.json"]
    assert folder.crawl_validators_files() == [tmp_path / "crawl" / "a.validators.json"]
    assert folder.plan_files() == [tmp_path / "retry" / "a.plan.json"]
    assert layout.outlet_of(folder.crawl_validators_file("a")) == "a"


def test_every_path_of_the_folder_is_pinned() -> None:
    """A path RunFolder gains must be pinned above (add it to the tests and to this list)."""
    pinned = {"outlet_file", "raw_file", "fetches_file", "outlet_files", "raw_files",
              "fetch_files", "crawl_stats_file", "crawl_stats_files", "crawl_validators_file",
              "crawl_validators_files", "log_file", "state_file", "plan_file", "plan_files",
              "articles", "pages", "damage_file", "hints_file", "trends_file", "marker",
              "raw_dir", "source_dir", "tmp", "hidden_tmp"}
    public = {name for name in vars(RunFolder) if not name.startswith("_")}
    assert public - NOT_PATHS == pinned


# -- no other test spells them -----------------------------------------------------------------

# The run folder's file names, and its folders as any part of a path but the last
# ("raw/lebrief.jsonl.gz", "/r/seen/x.txt").
FILE_NAMES = re.compile(r"\.jsonl\.gz|(?:articles|pages)\.parquet|extraction-hints|damaged-files"
                        r"|\.khabar-run|\.validators\.json|\.plan\.json|trends\.svg")
FOLDERS = {layout.RAW, layout.FETCHES, layout.CRAWL, layout.LOGS, layout.SEEN, layout.KNOWN,
           layout.VALIDATORS, layout.RETRY, layout.RECHECK, layout.SOURCE}
THIS = Path(__file__).resolve()
# Strings equal to a folder's name that are not a path (a file's name among them is never
# allowed, nor an allowed word joined into a path with ``/``): (file, word) and why.
NOT_A_PATH = {
    ("tests/scenarios/crashes.py", "crawl"): "the stage killed",
    ("tests/scenarios/test_crashes.py", "crawl"): "the stage killed",
    ("tests/scenarios/crashes.py", "fetches"): "the warehouse table",
    ("tests/support/runs.py", "fetches"): "the warehouse table",
    ("tests/scenarios/faults.py", "fetches"): "the warehouse table",
    ("tests/warehouse/test_load.py", "fetches"): "the warehouse table",
    ("tests/scenarios/faults.py", "crawl"): "the scrapy command looked for",
    ("tests/scenarios/test_night_failures.py", "crawl"): "the scrapy command looked for",
    ("tests/support/crawls.py", "crawl"): "the scrapy command run",
    ("tests/scenarios/test_reliability.py", "retry"): "the retry plan's key, a page's source",
    ("tests/scenarios/chaos.py", "retry"): "the retry plan's key",
    ("tests/warehouse/test_rechecks.py", "recheck"): "a page's source",
    ("tests/warehouse/test_db.py", "retry"): "a word of the lock message",
    ("tests/warehouse/test_search_incremental.py", "source"): "a DuckDB relation's name",
    ("tests/scenarios/test_deploy.py", "source"): "a log record's field",
    ("tests/support/golden.py", "source"): "a golden page's field",
}


def literal_names(source: str) -> list[tuple[int, str]]:
    """(line, string) of each string in code that is a run-folder name or path; documentation
    (docstrings, comments) may name the files."""
    tree = ast.parse(source)
    joined = {id(side) for node in ast.walk(tree)
              if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
              for side in (node.left, node.right)}
    found: list[tuple[int, int, str]] = []
    for node in code_strings(tree):
        text = node.value
        if (FILE_NAMES.search(text) or any(p in FOLDERS for p in text.split("/")[:-1])
                or text in FOLDERS and id(node) in joined):
            found.append((node.lineno, node.col_offset, f"!{text}"))  # never allowed
        elif text in FOLDERS:
            found.append((node.lineno, node.col_offset, text))
    return [(line, text) for line, _, text in sorted(found)]


def test_the_scan_finds_a_literal_path() -> None:
    source = ('"""Reads articles.parquet."""\n'
              'a = run_dir / "raw" / f"{outlet}.jsonl.gz"  # raw/x.jsonl.gz\n'
              'b = run_dir.glob("crawl/*")\n'
              'c = stage == "crawl"\n'
              'd = Path("/r/seen/x.txt")\n')
    assert literal_names(source) == [(2, "!raw"), (2, "!.jsonl.gz"), (3, "!crawl/*"),
                                     (4, "crawl"), (5, "!/r/seen/x.txt")]


@pytest.mark.parametrize("word", sorted(FOLDERS))
def test_an_allowed_word_joined_into_a_path_is_found(word: str) -> None:
    assert literal_names(f'x = run_dir / "{word}"\n') == [(1, f"!{word}")]


def test_no_other_test_spells_a_run_folder_name() -> None:
    found: list[str] = []
    used: set[tuple[str, str]] = set()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.resolve() == THIS:
            continue
        name = path.relative_to(ROOT).as_posix()
        for line, text in literal_names(path.read_text(encoding="utf-8")):
            if (name, text) in NOT_A_PATH:
                used.add((name, text))
            else:
                found.append(f"{name}:{line}: {text!r} (ask RunFolder or khabar.run.layout)")
    assert not found, "\n".join(found)
    assert used == set(NOT_A_PATH)  # an allowance no longer needed is removed
