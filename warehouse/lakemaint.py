"""Lake maintenance: fewer, larger Parquet files, and no snapshot kept past its use.

Every load commits at least one snapshot, and a night of a few outlets writes small files: one
or more Parquet files per table it touched, or rows inlined into the catalog's PostgreSQL tables
(DuckLake inlines small inserts). Nothing is ever deleted by DuckLake itself: time travel can
read every past snapshot, so every file any snapshot used stays. ``maintain_lake`` runs
DuckLake's own maintenance, in this order, under the lake's write lock (no load commits in
between, and no load is writing a file the orphan sweep could take for a stray):

1. ``ducklake_flush_inlined_data``: inlined rows written out as Parquet.
2. ``ducklake_merge_adjacent_files``: small files merged; each row keeps the snapshot that wrote
   it, so time travel to a kept night reads the same rows after the merge.
3. ``ducklake_expire_snapshots``: the snapshots older than the retention (``LakeRetention``:
   the last ``keep_nights`` nights' snapshots, and every snapshot younger than ``keep_days``,
   are kept; the current one always).
4. ``ducklake_cleanup_old_files`` and ``ducklake_delete_orphaned_files``: the files scheduled
   for deletion (merged away, used only by expired snapshots) and strays (a writer killed
   between writing a file and its commit), once older than ``grace_hours``: a reader that
   began before the merge may still be scanning the old files.

Function names and signatures checked against the installed extension
(``duckdb-extension-ducklake`` 1.5.5, ``duckdb_functions()``) and the DuckLake docs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError
from warehouse.lake import CATALOG, is_lake, write_lock
from warehouse.queries import one, sql

# Time travel to any of the last 30 nights (a month of nightly runs, as the run folders' own
# retention keeps a month: flows.maintenance keep_days), and to anything of the last 7 days
# (several loads a day: a backfill, re-extractions). A snapshot is expired only past both.
DEFAULT_KEEP_NIGHTS = 30
DEFAULT_KEEP_DAYS = 7.0
# Files replaced by a merge or an expiry are deleted a day later: readers here take seconds
# (a search copies a snapshot's articles; an export reads it once), a day covers a paused
# notebook. `python -m warehouse maintain --grace-hours 0` deletes at once when no one reads.
DEFAULT_GRACE_HOURS = 24.0


@dataclass(frozen=True)
class LakeRetention:
    """What lake maintenance keeps (``maintain_lake``).

    Attributes:
        keep_nights: time travel stays possible to the latest load of this many runs (and to
            every snapshot after the oldest of them).
        keep_days: and to every snapshot younger than this many days.
        grace_hours: files no snapshot needs any more are deleted once they have been
            unneeded (or unknown to the catalog) this long.
    """

    keep_nights: int = DEFAULT_KEEP_NIGHTS
    keep_days: float = DEFAULT_KEEP_DAYS
    grace_hours: float = DEFAULT_GRACE_HOURS

    def __post_init__(self) -> None:
        if self.keep_nights < 1:
            raise WarehouseError(f"keep_nights={self.keep_nights}: keep at least one night "
                                 "(the latest), or time travel to it ends")
        if self.keep_days < 0 or self.grace_hours < 0:
            raise WarehouseError("keep_days and grace_hours cannot be negative")


@dataclass(frozen=True)
class Footprint:
    """The files under the lake's data folder: how many, how many bytes."""

    files: int
    bytes: int


@dataclass
class LakeMaintenance:
    """What ``maintain_lake`` did."""

    before: Footprint
    after: Footprint
    expired: list[int] = field(default_factory=list)  # snapshot ids
    oldest_kept_run: str | None = None  # the oldest night time travel still reaches by run id


@dataclass(frozen=True)
class Snapshot:
    """One lake snapshot (``select_snapshots``)."""

    snapshot_id: int
    snapshot_time: datetime
    run_id: str | None  # set when a load committed it


def snapshots_to_expire(snapshots: list[Snapshot], retention: LakeRetention,
                        now: datetime) -> tuple[list[int], str | None]:
    """The snapshots the retention lets go, and the oldest night still reachable by run id.

    A snapshot is kept when it is the current one, younger than ``keep_days``, or not older than
    the latest snapshot of the ``keep_nights``-th newest run (time travel by run id reads a
    run's latest load, ``warehouse.lake.snapshot_of_run``).
    """
    if not snapshots:
        return [], None
    latest_of_run: dict[str, int] = {}
    for snap in snapshots:
        if snap.run_id is not None:
            latest_of_run[snap.run_id] = snap.snapshot_id
    nights = sorted(latest_of_run.items(), key=lambda item: item[1], reverse=True)
    kept_nights = nights[:retention.keep_nights]
    keep_from = kept_nights[-1][1] if kept_nights else snapshots[-1].snapshot_id
    recent = now - timedelta(days=retention.keep_days)
    current = max(s.snapshot_id for s in snapshots)
    expire = [s.snapshot_id for s in snapshots
              if s.snapshot_id < keep_from and s.snapshot_time < recent
              and s.snapshot_id != current]
    return expire, (kept_nights[-1][0] if kept_nights else None)


def lake_snapshots(con: duckdb.DuckDBPyConnection) -> list[Snapshot]:
    """Every snapshot of the lake, oldest first."""
    rows = con.execute(sql("lakemaint", "select_snapshots"),
                       {"catalog": CATALOG}).fetchall()
    return [Snapshot(int(sid), when, run_id) for sid, when, run_id in rows]


def footprint(con: duckdb.DuckDBPyConnection) -> Footprint:
    """Files and bytes under the lake's data folder (what the shared mount holds)."""
    (data_path,) = one(con, "lake", "select_data_path")
    files = size = 0
    for folder, _dirs, names in os.walk(Path(str(data_path))):
        for name in names:
            try:
                size += (Path(folder) / name).stat().st_size
            except FileNotFoundError:  # deleted by a cleanup meanwhile
                continue
            files += 1
    return Footprint(files, size)


def maintain_lake(con: duckdb.DuckDBPyConnection, retention: LakeRetention | None = None,
                  now: datetime | None = None) -> LakeMaintenance:
    """Flush, merge, expire and clean up the lake ``con`` writes (see the module), under its
    write lock.

    Raises:
        WarehouseError: ``con`` is not a lake connection, or the write lock could not be had.
    """
    if not is_lake(con):
        raise WarehouseError("lake maintenance is for a DuckLake (KHABAR_WAREHOUSE=ducklake:…); "
                             "the DuckDB file is checkpointed instead")
    retention = retention or LakeRetention()
    now = now or datetime.now(UTC)
    before = footprint(con)
    report = LakeMaintenance(before=before, after=before)
    params = {"catalog": CATALOG}
    with write_lock(con):
        con.execute(sql("lakemaint", "flush_inlined_data"), params)
        con.execute(sql("lakemaint", "merge_adjacent_files"), params)
        report.expired, report.oldest_kept_run = snapshots_to_expire(
            lake_snapshots(con), retention, now)
        if report.expired:
            con.execute(sql("lakemaint", "expire_snapshots"),
                        {**params, "versions": report.expired})
        # The clock now, not ``now``: what this merge and expiry just scheduled counts from now.
        older_than = datetime.now(UTC) - timedelta(hours=retention.grace_hours)
        cleanup = {**params, "older_than": older_than}
        con.execute(sql("lakemaint", "cleanup_old_files"), cleanup)
        con.execute(sql("lakemaint", "delete_orphaned_files"), cleanup)
    report.after = footprint(con)
    return report
