"""The night without Prefect: ``pipeline.night.run_night`` with the plain stages of
``pipeline.stages``, and the layout that keeps it so (issue 16).

The night runs in a fresh interpreter over the bundled snapshot (one outlet, a few pages): a
real crawl process, the extraction and load processes, a real DuckDB file; the interpreter never
imports Prefect. The flows hand the same ``run_night`` their Prefect tasks (``flows.tasks``),
which must offer every stage it calls.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.support import ROOT
from warehouse.publish import read_copy_path

NIGHT = """
import json, sys
from pathlib import Path
from pipeline.night import new_run, nightly_plan, resolve_outlets, run_night
from pipeline.params import CrawlScope
from snapshot import snapshot_outlets

db, runs = sys.argv[1] or None, sys.argv[2]
scope = CrawlScope(outlets=snapshot_outlets()[:1], max_pages=4)
outlets = resolve_outlets(scope.outlets, True)
run = new_run("nightly", db, runs)
outcome = run_night(run, nightly_plan(outlets, scope, snapshot=True, max_parallel=1,
                                      extract_workers=0))
print(json.dumps({"run_id": run.run_id, "error": outcome.error,
                  "failed": outcome.crawls.failed if outcome.crawls else None,
                  "rows": outcome.rows, "stages": sorted(outcome.seconds),
                  "trends": run.folder.trends_file.is_file(),
                  "prefect": sorted(m for m in sys.modules if m.split(".")[0] == "prefect")}))
"""


@pytest.mark.integration
def test_a_night_runs_without_prefect_through_the_runners(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    done = subprocess.run([sys.executable, "-c", NIGHT, str(db), str(tmp_path / "runs")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    night = json.loads(done.stdout.splitlines()[-1])
    assert night["prefect"] == []
    assert night["error"] is None and night["failed"] == {}
    assert night["stages"] == ["check_quality", "crawl_outlets", "extract", "load",
                               "prepare_run", "publish", "publish_trends", "report",
                               "summarise"]
    assert night["trends"]
    (row,) = night["rows"]
    assert row["status"] == "ok" and row["new"] > 0
    with duckdb.connect(str(db), read_only=True) as con:
        status, counts = con.execute("select status, counts from crawl_runs where run_id = ?",
                                     [night["run_id"]]).fetchone()
        articles = con.execute("select count(*) from articles").fetchone()[0]
    assert status == "completed" and json.loads(counts)["outlets"][0]["new"] == row["new"]
    assert articles == row["new"]
    assert read_copy_path(db).is_file()  # published last, as the flow does


@pytest.mark.integration
def test_a_night_loads_into_the_configured_ducklake(tmp_path: Path, lake) -> None:
    """With ``KHABAR_WAREHOUSE=ducklake:…`` and no ``--db``, every stage of the night writes and
    reads the lake (the load child gets no ``--db``), nothing is published, and no DuckDB file
    is created at ``KHABAR_DB``."""
    from warehouse.lakeread import open_lake_reader

    default_file = tmp_path / "never.duckdb"
    env = {**os.environ, "KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
           "KHABAR_LAKE_DATA": str(lake.data_path), "KHABAR_DB": str(default_file)}
    done = subprocess.run([sys.executable, "-c", NIGHT, "", str(tmp_path / "runs")], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    night = json.loads(done.stdout.splitlines()[-1])
    assert night["error"] is None and night["failed"] == {}
    (row,) = night["rows"]
    assert row["status"] == "ok" and row["new"] > 0
    with open_lake_reader(lake) as con:
        status, counts = con.execute("select status, counts from crawl_runs where run_id = ?",
                                     [night["run_id"]]).fetchone()
        articles = con.execute("select count(*) from articles").fetchone()[0]
    assert status == "completed" and json.loads(counts)["outlets"][0]["new"] == row["new"]
    assert articles == row["new"]
    assert not default_file.exists() and not read_copy_path(default_file).exists()


def test_the_flow_tasks_offer_every_stage_the_night_calls() -> None:
    """``run_night`` is handed ``flows.tasks`` by the flows: a stage missing there (or taking
    other arguments) would fail only in a flow run."""
    from flows import tasks
    from pipeline import stages
    from pipeline.night import Stages

    names = [n for n in vars(Stages) if not n.startswith("_")]
    assert names
    for name in names:
        wanted = list(inspect.signature(getattr(Stages, name)).parameters)[1:]  # less self
        for module in (stages, tasks):
            stage = getattr(module, name)
            stage = getattr(stage, "fn", stage)  # a Prefect task: the function it wraps
            params = list(inspect.signature(stage).parameters)
            assert params[:len(wanted)] == wanted, (module.__name__, name)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_flows_knows_prefect_and_every_flows_module_does() -> None:
    """flows/ is the Prefect shell (its package ``__init__`` only sets Prefect's environment
    before anything imports it); the stages, the shared contracts and the other packages never
    import Prefect."""
    for path in sorted((ROOT / "flows").glob("*.py")):
        if path.name != "__init__.py":
            assert any(n.split(".")[0] == "prefect" for n in _imports(path)), path.name
    for package in ("pipeline", "khabar", "spiders", "transforms", "warehouse", "registry"):
        for path in sorted((ROOT / package).rglob("*.py")):
            assert not any(n.split(".")[0] in ("prefect", "flows") for n in _imports(path)), path


def test_the_shared_contracts_import_no_stage() -> None:
    """``khabar`` is importable by every stage: it imports none of them, nor Scrapy, Prefect,
    DuckDB or trafilatura."""
    probe = ("import sys, pkgutil, importlib, khabar, khabar.run\n"
             "for pkg in (khabar, khabar.run):\n"
             "    for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + '.'):\n"
             "        importlib.import_module(m.name)\n"
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    loaded = set(done.stdout.split())
    assert "khabar" in loaded
    assert not loaded & {"flows", "pipeline", "spiders", "transforms", "warehouse", "scrapy",
                         "prefect", "duckdb", "trafilatura", "twisted"}
