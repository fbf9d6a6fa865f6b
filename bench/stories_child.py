"""``bench.stories``'s scale measurement in a fresh interpreter (``bench.child.run_json``): run
folders loaded in order into one warehouse, ``update_stories`` timed apart, with a copy of the
warehouse kept at each size asked for.

    python -m bench.stories_child '{"db": …, "runs": [[run_id, run_dir, rows], …], "keep": {…},
                                    "sql": {…}}'
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from bench.child import Task, child_main, cpu_seconds, peak_mb


def measure(task: Task) -> dict[str, Any]:
    """Load and grouping seconds (wall and CPU), closing time, peak RSS, and per kept size."""
    import warehouse.load
    import warehouse.stories
    from warehouse import connect

    spent: list[float] = []
    spent_cpu: list[float] = []
    real = warehouse.stories.update_stories

    def timed(con: Any, *args: Any) -> Any:
        start, start_cpu = time.perf_counter(), cpu_seconds()
        try:
            return real(con, *args)
        finally:
            spent.append(time.perf_counter() - start)
            spent_cpu.append(cpu_seconds() - start_cpu)

    warehouse.load.update_stories = timed  # type: ignore[assignment]
    if task.get("copy_from"):
        shutil.copyfile(task["copy_from"], task["db"])
    seconds = seconds_cpu = close = close_cpu = 0.0
    loaded = 0
    sizes = {}
    for run_id, run_dir, rows in task["runs"]:  # in order, each its own transaction
        # A connection per run, as the nightly flow opens one per load: DuckDB keeps the ART
        # index nodes a connection has read, and one connection loading 1M articles ran out of
        # 256 MB.
        con = connect(task["db"])
        start, start_cpu = time.perf_counter(), cpu_seconds()
        warehouse.load.load_run(con, run_id, run_dir)
        seconds += time.perf_counter() - start
        seconds_cpu += cpu_seconds() - start_cpu
        loaded += rows
        if task.get("progress"):  # a line per run, to follow a build of an hour
            with open(task["progress"], "a") as progress:
                progress.write(json.dumps({"loaded": loaded, "seconds": round(seconds, 1),
                                           "cpu": round(seconds_cpu, 1),
                                           "grouping": round(sum(spent), 1),
                                           "grouping_cpu": round(sum(spent_cpu), 1)}) + "\n")
        if str(loaded) in task.get("keep", {}):  # a copy of the warehouse at this size
            counts = con.execute(task["sql"]["select_story_counts"]).fetchone()
            assert counts is not None  # one row: four counts
            con.close()
            shutil.copyfile(task["db"], task["keep"][str(loaded)])
            sizes[loaded] = {"seconds": seconds, "grouping": sum(spent), "cpu": seconds_cpu,
                             "grouping_cpu": sum(spent_cpu), "peak_rss_mb": peak_mb(),
                             "articles": counts[0], "stories": counts[1], "links": counts[2],
                             "copies": counts[3]}
        else:
            # Closing checkpoints the night into the file (the nightly flow's close does the
            # same).
            start, start_cpu = time.perf_counter(), cpu_seconds()
            con.close()
            close += time.perf_counter() - start
            close_cpu += cpu_seconds() - start_cpu
    return {"seconds": seconds, "grouping": sum(spent), "cpu": seconds_cpu,
            "grouping_cpu": sum(spent_cpu), "close": close, "close_cpu": close_cpu,
            "peak_rss_mb": peak_mb(), "sizes": sizes}


if __name__ == "__main__":
    child_main(measure)
