"""``bench.publish``'s measurements, each in a fresh interpreter (``bench.child.run_json``) so
that its peak RSS is its own.

    python -m bench.publish_child '{"kind": "incremental", "db": …, "run_dir": …, "sql": {…}, …}'

Kinds: ``build`` (load a generated run, pad every page with ``page_bytes`` of body, then publish
once), ``rebuild`` (load a night on a copy, then the fts index from scratch and the read copy, as
before the incremental index) and ``incremental`` (load a night on a copy, then ``after_load``).
Each reports its publication's steps, the file's size and free space, and the top 10 of each
query in ``queries`` from the read copy (``warehouse.search.search_articles``). Its own SQL is
``bench/warehouse.sql``'s, given in the task (``bench.child``).
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

from bench.child import Task, child_main, peak_mb


def _build(db: str, task: Task) -> None:
    import pyarrow as pa

    from warehouse import connect
    from warehouse.load import load_run

    bench_sql = task["sql"]
    con = connect(db)
    load_run(con, "bench", task["run_dir"])
    urls = [r[0] for r in con.execute(bench_sql["select_page_urls"]).fetchall()]
    con.begin()
    con.execute(bench_sql["create_padded_pages"])
    for i in range(0, len(urls), 1000):
        part = urls[i:i + 1000]
        con.register("pad", pa.table({"url": part,
                                      "body": [os.urandom(task["page_bytes"]) for _ in part]}))
        con.execute(bench_sql["insert_padded_pages"])
        con.unregister("pad")
    con.execute(bench_sql["delete_pages"])
    con.execute(bench_sql["insert_pages_from_padded"])
    con.execute(bench_sql["drop_padded_pages"])
    con.commit()
    con.close()


def measure(task: Task) -> dict[str, Any]:
    """Seconds per publication step, memory, file size and free space, rankings."""
    import duckdb

    from warehouse import after_load, connect, publish_read_copy, read_copy_path
    from warehouse.load import load_run
    from warehouse.search import build_search_index, search_articles

    db = task["db"]
    out: dict[str, Any] = {}
    if task["kind"] == "build":
        _build(db, task)
    else:
        shutil.copyfile(task["base"], db)
        shutil.copyfile(task["base_copy"], read_copy_path(db))
        con = connect(db)
        load_run(con, "night", task["run_dir"])
        con.close()
    start_rss = peak_mb()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if task["kind"] == "rebuild":
        con = connect(db)
        w0 = time.perf_counter()
        build_search_index(con)
        timings["fts"] = time.perf_counter() - w0
        publish_read_copy(db, con=con, timings=timings)
        con.close()
    else:
        after_load(db, timings=timings)
    out["total"] = time.perf_counter() - started
    out["timings"] = timings
    out["start_rss_mb"] = start_rss
    out["peak_rss_mb"] = peak_mb()
    out["size_mb"] = os.path.getsize(db) / 1e6
    read = duckdb.connect(str(read_copy_path(db)), read_only=True)
    (out["free_mb"],) = read.execute(task["sql"]["select_free_mb"]).fetchall()[0]
    out["rankings"] = {q: [[r["article_id"], round(r["score"], 9)]
                           for r in search_articles(read, q, limit=10)]
                       for q in task["queries"]}
    read.close()
    return out


if __name__ == "__main__":
    child_main(measure)
