"""One measurement in a fresh interpreter: its own peak RSS, imports and allocator, and nothing
left over from the measurement before it.

The parent calls ``run_json("bench.<x>_child", task, cwd=checkout)``; the child module's
``__main__`` calls ``child_main(measure)``, which makes the checkout measured the only source
of product modules (``--before`` measures another checkout's product code with this tree's
benchmark), runs ``measure(task)`` and prints its JSON. The child is a plain module, so its
``measure`` can also be called and tested in-process.

The task carries the benchmark's own SQL (``task["sql"]``: every statement of
``bench/warehouse.sql``, read here by the parent): the child cannot read it through the
measured checkout's ``warehouse.queries`` (see ``bench.sql``). The result has stdout to itself:
whatever else the measured code writes there goes to stderr. DuckDB draws its progress bar on
stdout for any statement over 2 s, and an older checkout may print.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_ROOT = Path(__file__).resolve().parents[1]  # the tree this benchmark's code comes from

Task = dict[str, Any]


def run_json(module: str, task: Task, *, cwd: Path = BENCH_ROOT,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -P -m module TASK_JSON`` in ``cwd``; the JSON object it returns.

    ``-P`` keeps ``cwd`` off the front of ``sys.path`` so that ``module`` is this tree's, found
    through ``PYTHONPATH``; the child then puts ``cwd`` first for the product's imports.

    Raises:
        RuntimeError: the child failed, or printed no JSON object: the message's first line
            says which and why (the child's last stderr line), the end of its stderr follows.
    """
    from bench.sql import bench_statements  # the parent's side only: see the module's doc

    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_ROOT), env.get("PYTHONPATH")]))
    task = {**task, "sql": bench_statements()}
    result = subprocess.run([sys.executable, "-P", "-m", module, json.dumps(task)], cwd=cwd,
                            env=env, capture_output=True, text=True, check=False)
    what = f"{task.get('kind', 'measurement')} ({module}) in {cwd}"
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise RuntimeError(f"{what} failed: {last}\n{result.stderr[-3000:]}")
    try:
        found = json.loads(result.stdout)
    except json.JSONDecodeError:
        found = None
    if not isinstance(found, dict):
        raise RuntimeError(f"{what} printed no result, only {result.stdout[-200:]!r}")
    return found


def child_main(measure: Callable[[Task], dict[str, Any]]) -> None:
    """The child's side: the checkout in ``cwd`` the source of product modules, stdout sent to
    stderr while ``measure`` runs, then the result alone on the real stdout, as one JSON line."""
    _measured_first(Path.cwd())
    sys.stdout.flush()
    result = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # fd 1 itself: DuckDB writes its progress bar there, not to sys.stdout
    with result:
        result.write(json.dumps(measure(json.loads(sys.argv[1]))) + "\n")


def _measured_first(checkout: Path) -> None:
    """Make ``checkout`` the only source of product modules in this process.

    This tree came first on ``sys.path`` only so that the child module could be found (its
    ``bench`` package stays imported); and an editable install (``make env``) maps this tree's
    package names to their folders whatever ``sys.path`` says. Left in place, either would serve
    a module the measured checkout lacks from this tree instead of failing: ``--before`` an
    older checkout would measure a mix of both.
    """
    sys.path[:] = [str(checkout), *(p for p in sys.path if not p.startswith("__editable__")
                                    and Path(p).resolve() != BENCH_ROOT)]
    # setuptools installs the finder class itself on sys.meta_path.
    sys.meta_path[:] = [f for f in sys.meta_path
                        if getattr(f, "__name__", type(f).__name__) != "_EditableFinder"]


def peak_mb() -> float:
    """This process's peak RSS in MB (VmHWM: ``ru_maxrss`` would include the parent's, kept
    across exec)."""
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def cpu_seconds() -> float:
    """User + system seconds of this process, every thread: on a machine other sessions share,
    wall time measures the others too."""
    t = os.times()
    return t.user + t.system


def clock() -> tuple[float, float]:
    """(wall, CPU) now."""
    return time.perf_counter(), cpu_seconds()
