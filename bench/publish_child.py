"""``bench.publish``'s measurements, each in a fresh interpreter (``bench.child.run_json``) so
that its peak RSS is its own.

    python -m bench.publish_child '{"kind": "incremental", "db": …, "run_dir": …, …}'

Kinds: ``build`` (load a generated run, pad every page with ``page_bytes`` of body, then publish
once), ``rebuild`` (load a night on a copy, then the fts index from scratch and the read copy, as
before the incremental index) and ``incremental`` (load a night on a copy, then ``after_load``).
Each reports its publication's steps, the file's size and free space, and the top 10 of each
query in ``queries`` from the read copy.
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

    con = connect(db)
    load_run(con, "bench", task["run_dir"])
    urls = [r[0] for r in con.execute("SELECT url FROM pages").fetchall()]
    # Pages as if fetched with real bodies: inserted, not updated (an UPDATE leaves the next
    # load to rewrite the whole table and the file twice its size: not what a night sees).
    con.begin()
    con.execute("CREATE TEMP TABLE padded AS FROM pages LIMIT 0")
    for i in range(0, len(urls), 1000):
        part = urls[i:i + 1000]
        con.register("pad", pa.table({"url": part,
                                      "body": [os.urandom(task["page_bytes"]) for _ in part]}))
        con.execute("INSERT INTO padded SELECT p.* REPLACE (pad.body AS body) "
                    "FROM pages AS p JOIN pad USING (url)")
        con.unregister("pad")
    con.execute("DELETE FROM pages")
    con.execute("INSERT INTO pages FROM padded")
    con.execute("DROP TABLE padded")
    con.commit()
    con.close()


def measure(task: Task) -> dict[str, Any]:
    """Seconds per publication step, memory, file size and free space, rankings."""
    import duckdb

    from warehouse import after_load, connect, publish_read_copy, read_copy_path
    from warehouse.load import load_run
    from warehouse.search import build_search_index, load_fts

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
    load_fts(read)
    (out["free_mb"],) = read.execute(
        "SELECT free_blocks * block_size / 1e6 FROM pragma_database_size()").fetchall()[0]
    out["rankings"] = {q: [[r[0], round(r[1], 9)] for r in read.execute(
        "SELECT article_id, score FROM search_articles(?, max_results := 10)", [q]).fetchall()]
        for q in task["queries"]}
    read.close()
    return out


if __name__ == "__main__":
    child_main(measure)
