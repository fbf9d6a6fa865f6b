"""bench/report.py: one target and section type for every benchmark module. A met target
renders as met, a missed one as missed by its gap in the target's unit (the number written in
one place), and the targets reach ``python -m bench`` as data, not as prose read back."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from bench.report import Section, Table, Target, Unit, read_targets, targets_path

MB = 1024 * 1024


@pytest.mark.parametrize(("value", "comparison", "met"), [
    (0.5, "<=", True), (0.8, "<=", True), (0.81, "<=", False),
    (0.8, "<", False), (0.79, "<", True),
    (0.9, ">=", True), (0.8, ">=", True), (0.7, ">=", False),
    (0.8, ">", False), (0.8, "==", True), (0.7, "==", False),
])
def test_met_follows_the_comparison(value: float, comparison: str, met: bool) -> None:
    target = Target("x", value, 0.8, comparison, Unit(".2f"))  # type: ignore[arg-type]
    assert target.met is met
    assert target.verdict.startswith("met" if met else "missed")


def test_a_met_target_renders_as_met_with_its_note() -> None:
    target = Target("crawl ≥ 80% of bound, c4, 200 ms", 0.84, 0.8, ">=",
                    Unit(".0f", " points", 100), note="84%", why="never shown when met")
    assert target.line() == "target crawl ≥ 80% of bound, c4, 200 ms: met (84%)"
    assert Target("plain", 1.0, 2.0, "<").line() == "target plain: met"


def test_a_missed_target_renders_its_gap_in_its_unit_then_why() -> None:
    crawl = Target("crawl ≥ 80% of bound", 0.65, 0.8, ">=", Unit(".0f", " points", 100),
                   note="never shown when missed", why="65% of 200 pages/s")
    assert crawl.verdict == "missed by 15 points (65% of 200 pages/s)"
    memory = Target("peak memory < 1 GB", 1_068 * MB, 1024 * MB, "<", Unit(",.0f", " MB", 1 / MB))
    assert memory.verdict == "missed by 44 MB"
    share = Target("lost ≤ 0.5%", 0.0051, 0.005, "<=", Unit(".1%"))
    assert share.verdict == "missed by 0.0%"  # a gap below the unit's precision still misses
    speed = Target("ours ≤ 1.15× bare", 1.25, 1.15, "<=", Unit(".2f", "×"))
    assert speed.line() == "target ours ≤ 1.15× bare: missed by 0.10×"


def test_a_yes_no_check_has_no_gap() -> None:
    same = Target.check("ranks as the rebuild", True, shortfall="a ranking difference")
    assert same.line() == "target ranks as the rebuild: met"
    differs = Target.check("ranks as the rebuild", False, shortfall="a ranking difference")
    assert differs.verdict == "missed by a ranking difference"
    dropped = Target.check("quality at least bare's", False, why="extraction quality dropped")
    assert dropped.verdict == "missed (extraction quality dropped)"
    linked = Target.check("every copy linked", False, note="62 of 63", why="62 of 63")
    assert linked.verdict == "missed (62 of 63)"


def _section() -> Section:
    return Section("Thing (`bench/thing.py`)", [
        "Intro paragraph.",
        Table("Rates", ["what", "seconds"], [["a|b", "1.0"]]),
        "Text that introduces the next table:",
        Table("Console only", ["what", "n", "s"], [["x", "2", "3.0"]], heading=False,
              align=True),
    ], notes=["a note"], targets=[Target("t1 ≤ 1 s", 0.5, 1.0, "<="),
                                  Target("t2 ≥ 10", 8, 10, ">=", Unit(".0f"), why="slow")])


def test_section_markdown_layout() -> None:
    assert _section().markdown() == "\n".join([
        "## Thing (`bench/thing.py`)", "",
        "Intro paragraph.", "",
        "**Rates**", "", "| what | seconds |", "|---|---|", "| a\\|b | 1.0 |", "",
        "Text that introduces the next table:", "",
        "| what | n | s |", "|---|---:|---:|", "| x | 2 | 3.0 |", "",
        "- a note",
        "- target t1 ≤ 1 s: met",
        "- target t2 ≥ 10: missed by 2 (slow)", ""])


def test_section_prints_its_tables_and_lines_on_the_console() -> None:
    out = StringIO()
    _section().print(Console(file=out, width=120))
    text = out.getvalue()
    assert "Rates" in text and "Console only" in text  # console tables keep titles
    assert "target t2 ≥ 10: missed by 2 (slow)" in text
    assert "Intro paragraph." not in text


def test_targets_travel_as_data_beside_the_section(tmp_path) -> None:
    path = tmp_path / "thing.md"
    section = _section()
    section.write(path)
    assert path.read_text(encoding="utf-8") == section.markdown()
    assert targets_path(path).exists()
    assert read_targets(path) == section.targets
    assert read_targets(tmp_path / "absent.md") == []  # a module that wrote none


def test_a_section_without_bullets_ends_after_its_last_block() -> None:
    assert Section("Skipped", ["Nothing to measure."]).markdown() == (
        "## Skipped\n\nNothing to measure.\n")


def test_a_numeric_target_shows_its_gap_by_default() -> None:
    assert Target("ratio ≥ 1.8", 1.64, 1.8).verdict == "missed by 0.16"
