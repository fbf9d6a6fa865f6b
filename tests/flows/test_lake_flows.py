"""The re-extraction and maintenance flows on the DuckLake ``KHABAR_WAREHOUSE`` names (issue 17).

A snapshot night is loaded into a lake (real PostgreSQL catalog, tests/support/pgcluster.py);
then the flows run with no ``db_path``, as a deployment on the lake runs them: re-extraction
writes the lake (one snapshot named by its run id), maintenance merges and expires there,
exports the lake's articles and deletes old run folders the lake knows as ended. No DuckDB file
is created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pyarrow.dataset as ds
import pytest

import transforms.extract as extract_module
from khabar.run.layout import RunFolder, new_run_id
from tests.support import ROOT
from tests.support.reextract import shorten_long_articles
from warehouse.backend import LakeConfig
from warehouse.db import connect_lake
from warehouse.lake import run_snapshots
from warehouse.lakeread import open_lake_reader
from warehouse.load import record_run_end, record_run_start

pytestmark = pytest.mark.integration

NEW_VERSION = "khabar-extract/99.0-lake-test"
NIGHT = """
import json, sys
from pipeline.night import new_run, nightly_plan, resolve_outlets, run_night
from pipeline.params import CrawlScope

scope = CrawlScope(outlets=["lebrief"])
run = new_run("nightly", None, sys.argv[1])
outcome = run_night(run, nightly_plan(resolve_outlets(scope.outlets, True), scope, snapshot=True,
                                      max_parallel=1, extract_workers=0))
print(json.dumps({"run_id": run.run_id, "error": outcome.error}))
"""


@pytest.fixture(scope="module")
def night(pg_cluster, tmp_path_factory):
    """A lake holding one snapshot night of lebrief, and the environment that names it."""
    tmp = tmp_path_factory.mktemp("lakeflows")
    pg_cluster.create_database("lake_flows_lakeops")
    lake = LakeConfig(catalog=pg_cluster.url("lake_flows_lakeops"),
                      data_path=str(tmp / "lake-data"))
    env = {"KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}", "KHABAR_LAKE_DATA": lake.data_path,
           "KHABAR_DB": str(tmp / "never.duckdb")}
    done = subprocess.run([sys.executable, "-c", NIGHT, str(tmp / "runs")], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["error"] is None
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield tmp, lake, outcome["run_id"]


def _rows(lake: LakeConfig, query: str) -> list[tuple]:
    with open_lake_reader(lake) as con:
        return con.execute(query).fetchall()


def test_reextract_flow_writes_the_configured_lake(prefect_harness, night, monkeypatch) -> None:
    from flows.reextract import reextract

    tmp, lake, _ = night
    old_version = extract_module.EXTRACTOR_VERSION
    before = _rows(lake, "select article_id, text from articles")
    long_ones = {aid for aid, text in before if len(text.split("\n\n")) >= 5}
    assert 0 < len(long_ones) < len(before)
    shorten_long_articles(monkeypatch, NEW_VERSION)
    state = reextract(runs_dir=str(tmp / "runs"), extract_workers=0, return_state=True)
    assert state.is_completed(), state.message
    report = state.result()

    assert {c["article_id"] for c in report.changed} == long_ones
    assert {c["previous_version"] for c in report.changed} == {old_version}
    versions = _rows(lake, "select article_id, version from article_versions where run_id = "
                           f"'{report.run_id}'")
    assert {aid for aid, _ in versions} == long_ones and {v for _, v in versions} == {2}
    after = _rows(lake, "select article_id, extractor_version from articles")
    assert len(after) == len(before) == len({aid for aid, _ in after})  # no duplicate
    assert {v for _, v in after} == {NEW_VERSION}
    assert _rows(lake, "select flow, status from crawl_runs where run_id = "
                       f"'{report.run_id}'") == [("reextract", "completed")]
    with open_lake_reader(lake) as con:  # its load is a snapshot named by its run id
        assert report.run_id in {r["run_id"] for r in run_snapshots(con)}
    assert not (tmp / "never.duckdb").exists()


def test_maintenance_flow_maintains_exports_and_cleans_runs_on_the_lake(
        prefect_harness, night) -> None:
    from flows.maintenance import maintenance

    tmp, lake, night_id = night
    runs = tmp / "runs"
    old = new_run_id(datetime(2020, 1, 1, tzinfo=UTC))
    RunFolder(runs / old).claim(old, "nightly")
    with connect_lake(lake) as con:
        record_run_start(con, old, "nightly", {})
        record_run_end(con, old, "completed", {})
    articles = _rows(lake, "select count(*) from articles")[0][0]

    state = maintenance(runs_dir=str(runs), export_dir=str(tmp / "export"), keep_days=30,
                        keep_nights=1, keep_snapshot_days=0, grace_hours=0, return_state=True)
    assert state.is_completed(), state.message
    result = state.result()

    done = result["lake"]
    assert done["expired_snapshots"] > 0 and done["files_after"] > 0
    assert done["oldest_kept_run"] is not None
    assert _rows(lake, "select count(*) from articles")[0][0] == articles
    assert result["parquet_files"] > 0
    assert ds.dataset(tmp / "export", format="parquet").count_rows() == articles
    assert result["removed_runs"] == [old] and not (runs / old).exists()
    assert (runs / night_id).is_dir()  # recent: kept
    assert not (tmp / "never.duckdb").exists()


def test_export_command_reads_the_configured_lake(night) -> None:
    tmp, lake, _ = night
    out = tmp / "cli-export"
    done = subprocess.run([sys.executable, "-m", "warehouse", "export", str(out)], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    articles = _rows(lake, "select count(*) from articles")[0][0]
    assert articles > 0 and ds.dataset(out, format="parquet").count_rows() == articles
    assert not (tmp / "never.duckdb").exists()
