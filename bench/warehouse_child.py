"""``bench.warehouse``'s measurements, each in a fresh interpreter inside the checkout being
measured (``bench.child.run_json``): its imports are that checkout's and its peak RSS is this one
measurement's.

    python -m bench.warehouse_child '{"kind": "load", "db": …, "run_id": …, "run_dir": …,
                                      "sql": {…}}'

Kinds: ``probe`` (imports what the others need: an early, one-line refusal of a ``--before``
checkout that lacks it), ``copy`` (the baseline: COPY the articles' Parquet into a plain table,
then CHECKPOINT),
``load`` (``load_run`` of a run folder, optionally on a copy of ``copy_from``, then CHECKPOINT),
``stories`` (``update_stories`` from scratch, best of ``repeat``, each rolled back).
"""

from __future__ import annotations

import shutil
from typing import Any

from bench.child import Task, child_main, clock, peak_mb


def measure(task: Task) -> dict[str, Any]:
    """Seconds without and with the checkpoint, CPU seconds, peak RSS; what was loaded."""
    import duckdb

    from warehouse import connect
    from warehouse.load import load_run
    from warehouse.stories import update_stories

    bench_sql = task["sql"]  # bench/warehouse.sql, from the parent (bench.child)
    out: dict[str, Any] = {"start_rss_mb": peak_mb()}
    if task["kind"] == "probe":
        return out
    if task["kind"] == "copy":
        con = duckdb.connect(task["db"])
        con.execute(bench_sql["create_plain_articles"], {"path": task["parquet"]})
        w0, c0 = clock()
        con.execute(bench_sql["copy_plain_articles"], {"path": task["parquet"]})
        w1, c1 = clock()
        con.execute(bench_sql["checkpoint"])
        w2, c2 = clock()
        con.close()
        out.update(seconds=w1 - w0, total=w2 - w0, cpu=c2 - c0)
    elif task["kind"] == "load":
        if task.get("copy_from"):
            shutil.copyfile(task["copy_from"], task["db"])
        con = connect(task["db"])
        w0, c0 = clock()
        report = load_run(con, task["run_id"], task["run_dir"])
        w1, c1 = clock()
        con.execute(bench_sql["checkpoint"])
        w2, c2 = clock()
        con.close()
        out.update(seconds=w1 - w0, total=w2 - w0, cpu=c2 - c0,
                   articles=report.total.articles_new)
    elif task["kind"] == "stories":
        con = connect(task["db"])
        best: tuple[float, float] | None = None
        stories = 0
        for _ in range(task["repeat"]):
            con.begin()
            w0, c0 = clock()
            stories = update_stories(con)
            w1, c1 = clock()
            con.rollback()
            if best is None or w1 - w0 < best[0]:
                best = (w1 - w0, c1 - c0)
        con.close()
        assert best is not None, "repeat must be at least 1"
        out.update(seconds=best[0], total=best[0], cpu=best[1], stories=stories)
    out["peak_rss_mb"] = peak_mb()
    return out


if __name__ == "__main__":
    child_main(measure)
