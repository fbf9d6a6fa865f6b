"""The one report type of every benchmark: a target, a table, and the section they make.

A module builds a ``Section`` (its heading, paragraphs and tables in order, bullet notes, and
``Target`` objects) and calls ``print`` for the console and ``write`` for its part of
BENCHMARKS.md. ``write`` puts the targets as JSON beside the Markdown, and ``python -m bench``
reads them back as ``Target`` objects for the summary table: the verdict is decided once, from
the measured value and the goal, and nothing is parsed back out of prose.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.table import Table as RichTable

from bench.tables import markdown_table, rich_table

Comparison = Literal["<", "<=", ">", ">=", "=="]
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


@dataclass(frozen=True)
class Unit:
    """How a number of a target is written: format spec, suffix, scale (``Unit(",.0f", " MB",
    1 / 2**20)`` writes bytes as ``1,044 MB``)."""

    spec: str = ".2f"
    suffix: str = ""
    scale: float = 1.0

    def format(self, number: float) -> str:
        return f"{number * self.scale:{self.spec}}{self.suffix}"


@dataclass(frozen=True)
class Target:
    """One goal of a benchmark and what was measured against it.

    ``name`` is the goal as the summary shows it (with the figures the module wants beside it).
    ``met`` is ``value comparison goal``; a missed target is ``missed by`` the gap written in
    ``unit``, or, for a yes/no check (``unit`` None), ``missed`` (``by`` ``shortfall`` if
    given). ``note`` follows a met verdict, ``why`` a missed one, in parentheses.
    """

    name: str
    value: float
    goal: float
    comparison: Comparison = ">="
    unit: Unit | None = Unit()
    note: str = ""
    why: str = ""
    shortfall: str = ""

    @classmethod
    def check(cls, name: str, ok: bool, *, note: str = "", why: str = "",
              shortfall: str = "") -> Target:
        """A yes/no target (quality kept, rankings equal): no gap to measure."""
        return cls(name, float(ok), 1.0, ">=", None, note, why, shortfall)

    @property
    def met(self) -> bool:
        return _COMPARE[self.comparison](self.value, self.goal)

    @property
    def gap(self) -> str:
        """How far the value is from the goal, in the target's unit ("" for a yes/no check)."""
        if self.unit is None:
            return self.shortfall
        return self.unit.format(abs(self.value - self.goal))

    @property
    def verdict(self) -> str:
        """``met (note)`` or ``missed by gap (why)``."""
        if self.met:
            return "met" + (f" ({self.note})" if self.note else "")
        by = f" by {self.gap}" if self.gap else ""
        return f"missed{by}" + (f" ({self.why})" if self.why else "")

    def line(self) -> str:
        return f"target {self.name}: {self.verdict}"


@dataclass(frozen=True)
class Table:
    """A table shown twice, as a rich table and as Markdown, from the same header and rows.

    The first ``left_columns`` columns are labels, the rest numbers (right-aligned on the
    console; in Markdown too when ``align`` is set). The title heads the console table, and
    the Markdown one too unless ``heading`` is off (where the section's text introduces it)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    left_columns: int = 1
    align: bool = False
    heading: bool = True

    def markdown(self) -> str:
        table = markdown_table(self.header, self.rows,
                               right_from=self.left_columns if self.align else None)
        return f"**{self.title}**\n\n{table}" if self.title and self.heading else table

    def rich(self) -> RichTable:
        return rich_table(self.title, self.header, self.rows, left_columns=self.left_columns)


Block = str | Table  # a Markdown paragraph, or a table


@dataclass
class Section:
    """A module's section of BENCHMARKS.md: heading, blocks in order, notes, targets."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def bullets(self) -> list[str]:
        return [*self.notes, *(t.line() for t in self.targets)]

    def markdown(self) -> str:
        lines = [f"## {self.title}"]
        for block in self.blocks:
            lines += ["", block.markdown() if isinstance(block, Table) else block]
        if self.bullets():
            lines += ["", *(f"- {line}" for line in self.bullets())]
        return "\n".join(lines) + "\n"

    def print(self, console: Console) -> None:
        """Its tables, notes and target lines on the console."""
        for block in self.blocks:
            if isinstance(block, Table):
                console.print(block.rich())
        for line in self.bullets():
            console.print(line)

    def show(self, console: Console, markdown: Path | None) -> None:
        """Print it, and write it at ``markdown`` when given (a module's ``--markdown``)."""
        self.print(console)
        if markdown:
            self.write(markdown)

    def write(self, path: Path) -> None:
        """The Markdown at ``path``, the targets as JSON at ``targets_path(path)``."""
        path.write_text(self.markdown(), encoding="utf-8")
        write_targets(path, self.targets)


def targets_path(markdown: Path) -> Path:
    """Where the targets of the section written at ``markdown`` are kept."""
    return markdown.with_name(markdown.name + ".targets.json")


def write_targets(markdown: Path, targets: list[Target]) -> None:
    targets_path(markdown).write_text(json.dumps([asdict(t) for t in targets]),
                                      encoding="utf-8")


def read_targets(markdown: Path) -> list[Target]:
    """The targets written beside ``markdown`` (none if the module wrote none)."""
    path = targets_path(markdown)
    if not path.exists():
        return []
    targets = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        unit = item.pop("unit")
        targets.append(Target(**item, unit=Unit(**unit) if unit else None))
    return targets
