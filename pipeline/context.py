"""What every stage of a night is handed: the run, and what the crawls gave.

Small values only (paths, ids, counts): the Prefect tasks of ``flows/`` pass them to each other
as parameters, and Prefect records parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from khabar.paths import default_db_path
from khabar.run.layout import RunFolder
from warehouse.backend import configured_lake

# Stages log through this logger unless given another: a Prefect task gives its run logger, so
# the same lines reach the flow run's log.
LOG = logging.getLogger("khabar.night")
Logger = logging.Logger | logging.LoggerAdapter


@dataclass(frozen=True)
class RunContext:
    """Where one run keeps its files and rows."""

    flow: str
    run_id: str
    run_dir: Path
    db: Path | None  # None: the DuckLake KHABAR_WAREHOUSE names (warehouse_target)

    @property
    def folder(self) -> RunFolder:
        """The run folder's paths."""
        return RunFolder(self.run_dir)

    @property
    def warehouse_option(self) -> list[str]:
        """``python -m warehouse``'s option naming this run's warehouse: ``--db FILE``, or
        nothing for the DuckLake (the child reads ``KHABAR_WAREHOUSE`` itself)."""
        return [] if self.db is None else ["--db", str(self.db.resolve())]


def warehouse_target(db_path: str | Path | None) -> Path | None:
    """The warehouse a run writes: ``--db``'s file when given, else ``None`` when
    ``KHABAR_WAREHOUSE`` names a DuckLake (``warehouse.connect(None)`` opens it), else the
    default file (``khabar.paths.default_db_path``)."""
    if db_path:
        return Path(db_path)
    return None if configured_lake() is not None else default_db_path()


@dataclass
class Crawls:
    """What the crawls of a run gave: the outlets tried and why some failed."""

    outlets: list[str]
    failed: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, tuple[float, float]] = field(default_factory=dict)  # start, end (epoch)

    def record(self, outlet: str, outcome: tuple[float, float] | BaseException) -> None:
        """Keep one crawl's outcome: its start and end, or why it failed (one line)."""
        if isinstance(outcome, BaseException):
            self.failed[outlet] = str(outcome).removeprefix(f"{outlet}: ")
        else:
            self.seconds[outlet] = outcome

    def progress(self, done: int, last: str) -> str:
        """``3/9 outlets crawled, 1 failed (last: lebrief)``."""
        return (f"{done}/{len(self.outlets)} outlets crawled, {len(self.failed)} failed "
                f"(last: {last})")


class NightFailed(RuntimeError):
    """The night cannot go on (offline, a full disk); the message is the line it ends with."""


class CrawlFailed(RuntimeError):
    """A crawl that gave nothing usable; ``retryable`` is False when a retry cannot help."""

    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable
