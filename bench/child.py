"""One measurement in a fresh interpreter: its own peak RSS, imports and allocator, and nothing
left over from the measurement before it.

The parent calls ``run_json("bench.<x>_child", task, cwd=checkout)``; the child module's
``__main__`` calls ``child_main(measure)``, which puts the checkout measured first on
``sys.path`` (``--before`` measures another checkout's product code with this tree's
benchmark), runs ``measure(task)`` and prints its JSON. The child is a plain module, so its
``measure`` can also be called and tested in-process.
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
    """Run ``python -P -m module TASK_JSON`` in ``cwd``; the JSON object its output ends with.

    ``-P`` keeps ``cwd`` off the front of ``sys.path`` so that ``module`` is this tree's, found
    through ``PYTHONPATH``; the child then puts ``cwd`` first for the product's imports.

    Raises:
        RuntimeError: the child failed (the end of its stderr is in the message).
    """
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-P", "-m", module, json.dumps(task)], cwd=cwd,
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{task.get('kind', 'measurement')} in {cwd} failed:\n"
                           f"{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def child_main(measure: Callable[[Task], dict[str, Any]]) -> None:
    """The child's side: the checkout in ``cwd`` first on ``sys.path``, then one JSON line."""
    sys.path.insert(0, os.getcwd())
    print(json.dumps(measure(json.loads(sys.argv[1]))))


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
