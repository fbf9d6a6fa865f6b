"""Integration: a worker needs nothing from another worker's disk, only the lake (issue 17).

Two "machines" run one night each over the bundled snapshot, as plain processes through the
night's runners (``pipeline.night.run_night``, no Prefect), each with its own working folder
(cwd, ``HOME``), temp folder (``TMPDIR``) and runs folder, sharing only the DuckLake (catalog in
the throwaway PostgreSQL, data in its folder). Worker A's night loads the outlet; then every
folder of A is deleted (its machine is gone), and worker B's night starts from what the lake
holds: its crawl state (seen URLs, known articles) is written from the lake into B's own run
folder, so it fetches none of A's articles again, only the next ones, and the lake holds each
article once. Both machines archive their finished run folders to one store
(``KHABAR_RUNS_ARCHIVE``, here a shared path): A's run is still there after A is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from khabar.run.archive import archived_runs
from khabar.run.layout import SEEN, TMP_SUFFIX, RunFolder
from khabar.run.records import iter_raw_pages
from tests.support import ROOT

pytestmark = pytest.mark.integration


MAX_PAGES = 6  # of the snapshot outlet's 14 articles: a second night has more to fetch

NIGHT = """
import json, os, sys
from pipeline.night import new_run, nightly_plan, resolve_outlets, run_night
from pipeline.params import CrawlScope
from snapshot import snapshot_outlets

scope = CrawlScope(outlets=snapshot_outlets()[:1], max_pages=int(sys.argv[2]))
outlets = resolve_outlets(scope.outlets, True)
run = new_run("nightly", None, sys.argv[1])
outcome = run_night(run, nightly_plan(outlets, scope, snapshot=True, max_parallel=1,
                                      extract_workers=0))
print(json.dumps({"run_id": run.run_id, "run_dir": str(run.run_dir), "error": outcome.error,
                  "failed": outcome.crawls.failed if outcome.crawls else None,
                  "rows": outcome.rows, "cwd": os.getcwd()}))
"""


class Machine:
    """One worker's own folders: working folder, temp folder, runs folder."""

    def __init__(self, tmp: Path, name: str, lake, archive: Path) -> None:
        self.home = tmp / f"machine-{name}"
        self.runs = self.home / "runs"
        self.home.mkdir()
        self.tmpdir = tmp / f"machine-{name}-tmp"  # extraction in-process: no pool sockets
        self.tmpdir.mkdir()
        self.env = {**os.environ, "HOME": str(self.home), "TMPDIR": str(self.tmpdir),
                    "PYTHONPATH": str(ROOT), "KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
                    "KHABAR_LAKE_DATA": str(lake.data_path),
                    "KHABAR_RUNS_ARCHIVE": str(archive),
                    # never used on the lake: were it opened, it would be on this machine
                    "KHABAR_DB": str(self.home / "never.duckdb")}
        self.env.pop("KHABAR_RUNS_DIR", None)

    def night(self) -> dict:
        done = subprocess.run([sys.executable, "-c", NIGHT, str(self.runs), str(MAX_PAGES)],
                              cwd=self.home, env=self.env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.splitlines()[-1])

    def files(self) -> set[Path]:
        return {p for p in self.home.rglob("*") if p.is_file()}

    def remove(self) -> None:
        shutil.rmtree(self.home)
        shutil.rmtree(self.tmpdir)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.name.endswith(TMP_SUFFIX)}


def _lake(lake) -> dict:
    from warehouse.lakeread import open_lake_reader

    with open_lake_reader(lake) as con:
        def one(sql: str) -> object:
            row = con.execute(sql).fetchone()
            return row[0] if row else None
        return {"articles": one("select count(*) from articles"),
                "ids": one("select count(distinct article_id) from articles"),
                "urls": sorted(r[0] for r in con.execute("select url from articles").fetchall()),
                "canonical": sorted(r[0] for r in con.execute(
                    "select canonical_url from articles").fetchall()),
                "runs": dict(con.execute("select status, count(*) from crawl_runs group by all")
                             .fetchall())}


def test_a_second_machine_starts_from_the_lake_alone(tmp_path: Path, lake) -> None:
    archive = tmp_path / "shared-archive"
    a = Machine(tmp_path, "a", lake, archive)
    first = a.night()
    assert first["error"] is None and first["failed"] == {}, first
    assert first["cwd"] == str(a.home)
    (row,) = first["rows"]
    assert row["new"] > 0, row
    after_a = _lake(lake)
    assert after_a["articles"] == after_a["ids"] == row["new"], after_a
    assert not (a.home / "never.duckdb").exists()
    assert Path(first["run_dir"]).is_relative_to(a.runs)

    a_archived = _files(archive / first["run_id"])
    assert a_archived == _files(Path(first["run_dir"])), a_archived  # archived whole
    a.remove()  # machine A is gone: its runs, working and temp folders

    b = Machine(tmp_path, "b", lake, archive)
    second = b.night()
    assert second["error"] is None and second["failed"] == {}, second
    (row,) = second["rows"]
    # B's crawl started from the state the lake gave it, written into B's own run folder
    folder = RunFolder(Path(second["run_dir"]))
    assert folder.path.is_relative_to(b.runs)
    seen = set(folder.state_file(SEEN, row["outlet"]).read_text().split())
    assert set(after_a["canonical"]) <= seen, (after_a["canonical"], sorted(seen)[:10])
    # so it fetched none of A's articles again (MAX_PAGES of the others: the snapshot has more)
    fetched = {page.url for page in iter_raw_pages(folder.path)}
    stored = set(after_a["urls"]) | set(after_a["canonical"])
    assert fetched and not fetched & stored, (fetched, stored)
    assert row["new"] > 0, row
    after_b = _lake(lake)
    assert after_b["articles"] == after_b["ids"] == after_a["articles"] + row["new"], after_b
    assert set(after_a["urls"]) < set(after_b["urls"])  # A's articles kept, each once
    assert after_b["runs"] == {"completed": 2}, after_b
    assert not (b.home / "never.duckdb").exists()
    # B wrote nothing else but DuckDB's extension cache (~/.duckdb/extensions, copied from this
    # machine's duckdb-extension-* wheels when the lake is attached)
    cache = b.home / ".duckdb" / "extensions"
    others = {p for p in b.files() if not p.is_relative_to(b.runs)}
    assert all(p.is_relative_to(cache) for p in others), others
    assert archived_runs(str(archive)) == sorted([first["run_id"], second["run_id"]])
    assert _files(archive / first["run_id"]) == a_archived  # A's run outlived A
    b.remove()
