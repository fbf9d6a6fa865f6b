"""The benchmarks' fresh-interpreter measurements are real modules (``bench.<x>_child``), not
programs kept in strings: each runs alone through ``bench.child.run_json`` on a small generated
run, and the checkout in the child's working directory is the one whose product code it
measures (``bench.warehouse --before``)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bench.child import BENCH_ROOT, run_json
from bench.warehouse import T0, generate, write_run
from khabar.run.layout import RunFolder
from transforms.dedup import content_hash, minhash_signature

ARTICLES = 120
pytestmark = pytest.mark.integration  # fresh interpreters, each importing DuckDB and the loader


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run folder of ARTICLES generated articles and a night of 30 more."""
    root = tmp_path_factory.mktemp("children")
    docs = generate(ARTICLES + 30)
    sigs = [(content_hash(d.text), minhash_signature(d.text)) for d in docs]
    first = write_run(root / "bench", docs[:ARTICLES], sigs[:ARTICLES])
    night = write_run(root / "night" / "night", docs[ARTICLES:], sigs[ARTICLES:],
                      run_id="night", fetched=T0 + timedelta(days=401))
    return first, night


def test_warehouse_child_measures_copy_load_and_grouping(runs, tmp_path) -> None:
    run_dir, _ = runs
    parquet = str(RunFolder(run_dir).articles)
    copy = run_json("bench.warehouse_child",
                    {"kind": "copy", "db": str(tmp_path / "copy.duckdb"), "parquet": parquet})
    assert 0 < copy["seconds"] <= copy["total"] and copy["cpu"] > 0
    db = str(tmp_path / "load.duckdb")
    load = run_json("bench.warehouse_child",
                    {"kind": "load", "db": db, "run_id": "bench", "run_dir": str(run_dir)})
    assert load["articles"] > ARTICLES * 0.8  # copies of an article are not new articles
    assert load["peak_rss_mb"] >= load["start_rss_mb"] > 0
    stories = run_json("bench.warehouse_child", {"kind": "stories", "db": db, "repeat": 2})
    assert 0 < stories["stories"] <= load["articles"]


def test_the_checkout_in_cwd_is_the_one_measured(tmp_path) -> None:
    """``--before DIR``: the child's product imports come from DIR, its own code from here."""
    package = tmp_path / "warehouse"
    package.mkdir()
    (package / "__init__.py").write_text('raise ImportError("the other checkout\'s warehouse")')
    with pytest.raises(RuntimeError, match="the other checkout's warehouse"):
        run_json("bench.warehouse_child", {"kind": "stories", "db": "x", "repeat": 1},
                 cwd=tmp_path)


def test_publish_child_publishes_and_ranks(runs, tmp_path) -> None:
    run_dir, night = runs
    db = tmp_path / "base.duckdb"
    queries = ["Rabat", "gouvernement"]
    build = run_json("bench.publish_child", {"kind": "build", "db": str(db), "page_bytes": 100,
                                             "run_dir": str(run_dir), "queries": queries})
    assert build["size_mb"] > 0 and set(build["rankings"]) == set(queries)
    from warehouse import read_copy_path

    task = {"base": str(db), "base_copy": str(read_copy_path(db)), "run_dir": str(night),
            "queries": queries}
    incremental = run_json("bench.publish_child",
                           {**task, "kind": "incremental", "db": str(tmp_path / "i.duckdb")})
    rebuild = run_json("bench.publish_child",
                       {**task, "kind": "rebuild", "db": str(tmp_path / "r.duckdb")})
    assert "fts" in rebuild["timings"] and incremental["total"] > 0
    assert [r[0] for r in incremental["rankings"]["Rabat"]] == [
        r[0] for r in rebuild["rankings"]["Rabat"]]


def test_stories_child_loads_in_order_and_keeps_a_copy_at_each_size(runs, tmp_path) -> None:
    run_dir, night = runs
    kept = tmp_path / f"stored-{ARTICLES}.duckdb"
    out = run_json("bench.stories_child", {
        "db": str(tmp_path / "build.duckdb"),
        "runs": [["bench", str(run_dir), ARTICLES], ["night", str(night), 30]],
        "keep": {str(ARTICLES): str(kept)}})
    assert kept.exists()
    at = out["sizes"][str(ARTICLES)]
    assert at["articles"] > 0 and at["stories"] > 0 and 0 < at["grouping"] <= at["seconds"]
    assert out["seconds"] >= at["seconds"] and out["close"] > 0  # the night was closed


def test_importtime_imports_only_what_it_is_given() -> None:
    done = subprocess.run([sys.executable, "-m", "bench.importtime", "email.mime.text"],
                          cwd=BENCH_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    failed = subprocess.run([sys.executable, "-m", "bench.importtime", "no_such_module_here"],
                            cwd=BENCH_ROOT, capture_output=True, text=True, check=False)
    assert failed.returncode != 0 and "no_such_module_here" in failed.stderr
