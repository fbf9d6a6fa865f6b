"""Every name in a run folder, and the one class that joins them into paths.

A run folder (``<runs dir>/<run_id>/``) is what the stages hand each other: the flow writes the
crawl's state, the crawl its raw pages, fetch log and stats, the extraction two Parquet files,
the load reads them all. No stage joins a path itself: it asks :class:`RunFolder`, as dlt's
``PackageStorage`` owns the folders of its load packages. The table of who writes and reads
each file is in docs/architecture.md ("The run folder").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Folders of one file per outlet.
RAW = "raw"  # the crawl's pages: <outlet>.jsonl.gz (khabar.run.records.RawPage)
FETCHES = "fetches"  # every request's outcome: <outlet>.jsonl.gz (FetchRecord)
CRAWL = "crawl"  # crawl stats <outlet>.json, validators seen tonight <outlet>.validators.json
LOGS = "logs"  # the crawl process's whole log: <outlet>.log
SEEN = "seen"  # the crawl's state, written before it (khabar.run.state): <outlet>.txt
KNOWN = "known"  # <outlet>.json
VALIDATORS = "validators"  # <outlet>.json
RETRY = "retry"  # <outlet>.json, and the plan <outlet>.plan.json
RECHECK = "recheck"  # <outlet>.json
SOURCE = "source"  # a re-extraction's raw pages once loaded (they are stored already)

JSONL_GZ = ".jsonl.gz"
VALIDATORS_SUFFIX = ".validators.json"
PLAN_SUFFIX = ".plan.json"
# Beside a cut file that was salvaged: its original bytes (khabar.run.salvage).
DAMAGED_SUFFIX = ".damaged"
# A file written under this suffix and renamed into place once whole.
TMP_SUFFIX = ".tmp"

ARTICLES_FILE = "articles.parquet"  # extraction: one row per page (khabar.run.schemas)
PAGES_FILE = "pages.parquet"  # extraction: each raw page's ``pages`` row, body compressed
DAMAGE_FILE = "damaged-files.json"  # what salvage_run kept of cut files
HINTS_FILE = "extraction-hints.json"  # each outlet's extraction hints, for the extraction process
TRENDS_FILE = "trends.svg"  # the night's per-outlet trends chart
# Written into every run folder when its run starts (RunFolder.mark): what tells the maintenance
# flow's retention that a folder is ours to delete.
MARKER = ".khabar-run"

# The module that makes a run folder's Parquet files from its raw files, as a command: what the
# warehouse's refusals tell a person to run (``python -m pipeline.extract_process RUN_DIR``).
EXTRACT_MODULE = "pipeline.extract_process"
EXTRACT_COMMAND = f"python -m {EXTRACT_MODULE}"

# A run id: its UTC start time, the flow process's PID and a random suffix (new_run_id); ids
# made before the suffix (``20261123T023000-12345``) still match, so retention still knows them.
RUN_ID = re.compile(r"^\d{8}T\d{6}-\d{5}(?:-[0-9a-f]{6})?$")
# Random hex digits at the end of a run id: two shards started in the same second by processes
# with the same PID (containers on two machines, each its PID 1 or 7) share a run id 1 time in
# 16.7 million (3 bytes), and then the second one's claim of the folder fails (RunFolder.claim).
_SUFFIX_BYTES = 3
_STATE_SUFFIXES = {SEEN: ".txt", KNOWN: ".json", VALIDATORS: ".json", RETRY: ".json",
                   RECHECK: ".json"}


def new_run_id(now: datetime | None = None) -> str:
    """The id stamped on every file and row of one run: ``20261123T023000-12345-9f3a0c``.

    Sorted as text, ids sort by start second (UTC); the PID and a random suffix keep apart runs
    started in the same second, on one machine or several sharing a runs folder (the PID alone
    did not: containers reuse small PIDs). ``RunFolder.claim`` makes sure a folder is never
    reused even then.
    """
    now = now or datetime.now(UTC)
    return (now.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid() % 100000:05d}"
            + f"-{secrets.token_hex(_SUFFIX_BYTES)}")


def run_started(run_id: str) -> datetime | None:
    """The UTC start time a run id begins with (``20261123T023000-12345``), or None."""
    try:
        return datetime.strptime(run_id[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def outlet_of(path: Path) -> str:
    """The outlet a per-outlet file belongs to: its name up to the first dot."""
    return path.name.split(".")[0]


@dataclass(frozen=True)
class RunFolder:
    """The paths of one run folder; nothing is created until a writer asks."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    # -- per-outlet files ----------------------------------------------------------------------

    def outlet_file(self, kind: str, outlet: str) -> Path:
        """``<kind>/<outlet>.jsonl.gz`` for kind ``RAW`` or ``FETCHES``."""
        return self.path / kind / f"{outlet}{JSONL_GZ}"

    def raw_file(self, outlet: str) -> Path:
        return self.outlet_file(RAW, outlet)

    def fetches_file(self, outlet: str) -> Path:
        return self.outlet_file(FETCHES, outlet)

    def outlet_files(self, kind: str) -> list[Path]:
        """The ``<kind>/*.jsonl.gz`` files (``RAW`` or ``FETCHES``), sorted by outlet."""
        return sorted((self.path / kind).glob(f"*{JSONL_GZ}"))

    def raw_files(self) -> list[Path]:
        return self.outlet_files(RAW)

    def fetch_files(self) -> list[Path]:
        return self.outlet_files(FETCHES)

    def crawl_stats_file(self, outlet: str) -> Path:
        return self.path / CRAWL / f"{outlet}.json"

    def crawl_stats_files(self) -> list[Path]:
        """Every crawl's stats file (not the validators files beside them), sorted."""
        return sorted(p for p in (self.path / CRAWL).glob("*.json")
                      if not p.name.endswith(VALIDATORS_SUFFIX))

    def crawl_validators_file(self, outlet: str) -> Path:
        """What the crawl saw of feed and sitemap validators tonight (the warehouse keeps it)."""
        return self.path / CRAWL / f"{outlet}{VALIDATORS_SUFFIX}"

    def crawl_validators_files(self) -> list[Path]:
        return sorted((self.path / CRAWL).glob(f"*{VALIDATORS_SUFFIX}"))

    def log_file(self, outlet: str) -> Path:
        return self.path / LOGS / f"{outlet}.log"

    def state_file(self, kind: str, outlet: str) -> Path:
        """The crawl's state file of ``kind`` (``SEEN``, ``KNOWN``, ``VALIDATORS``, ``RETRY``,
        ``RECHECK``) for ``outlet``; formats in ``khabar.run.state``."""
        return self.path / kind / f"{outlet}{_STATE_SUFFIXES[kind]}"

    def plan_file(self, outlet: str) -> Path:
        """The outlet's retry plan (for people and the run report)."""
        return self.path / RETRY / f"{outlet}{PLAN_SUFFIX}"

    def plan_files(self) -> list[Path]:
        return sorted((self.path / RETRY).glob(f"*{PLAN_SUFFIX}"))

    # -- run-wide files ------------------------------------------------------------------------

    @property
    def articles(self) -> Path:
        return self.path / ARTICLES_FILE

    @property
    def pages(self) -> Path:
        return self.path / PAGES_FILE

    @property
    def damage_file(self) -> Path:
        return self.path / DAMAGE_FILE

    @property
    def hints_file(self) -> Path:
        return self.path / HINTS_FILE

    @property
    def trends_file(self) -> Path:
        return self.path / TRENDS_FILE

    @property
    def marker(self) -> Path:
        return self.path / MARKER

    @property
    def raw_dir(self) -> Path:
        return self.path / RAW

    @property
    def source_dir(self) -> Path:
        return self.path / SOURCE

    @staticmethod
    def tmp(path: Path) -> Path:
        """Where ``path`` is written before it is renamed into place (``articles.parquet.tmp``:
        the load names this file when it finds an extraction cut short)."""
        return path.with_name(path.name + TMP_SUFFIX)

    @staticmethod
    def hidden_tmp(path: Path) -> Path:
        """The same, hidden (``.lebrief.json.tmp``), for files a reader globs for beside it."""
        return path.with_name(f".{path.name}{TMP_SUFFIX}")

    # -- the marker ----------------------------------------------------------------------------

    def mark(self, run_id: str, flow: str) -> None:
        """Create the folder and its marker (``{"run_id": ..., "flow": ...}``)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._write_marker({"run_id": run_id, "flow": flow})

    def claim(self, run_id: str, flow: str) -> None:
        """Create the folder for this run, exclusively, and its marker naming this process.

        ``mkdir`` either creates the folder or fails, atomically, on a local disk and on NFS:
        two processes (on one machine or two sharing the runs folder) never both get it. A
        folder that exists is used again only by the process that claimed it (a retried
        prepare step): same run id, host and PID in its marker.

        Raises:
            FileExistsError: the folder exists and is not this process's claim (nothing in it
                is touched).
        """
        owner = {"run_id": run_id, "flow": flow, "host": socket.gethostname(),
                 "pid": os.getpid()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.path.mkdir()
        except FileExistsError:
            if self._read_marker() != owner:
                raise FileExistsError(
                    f"run folder {self.path} already exists and is not this run's: a run "
                    "folder is never reused; start the run again (it gets a new id)") from None
            return
        self._write_marker(owner)

    def _write_marker(self, content: dict[str, object]) -> None:
        self.marker.write_text(json.dumps(content) + "\n", encoding="utf-8")

    def _read_marker(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def marked_run_id(self) -> str | None:
        """The run id the folder's marker names, or None (no marker, or not one we wrote)."""
        data = self._read_marker()
        run_id = data.get("run_id") if data is not None else None
        return run_id if isinstance(run_id, str) else None
