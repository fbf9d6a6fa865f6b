"""One measurement in a fresh interpreter: its own peak RSS, imports and allocator, and nothing
left over from the measurement before it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_json(code: str, task: dict[str, Any], *, cwd: Path,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -c code TASK_JSON`` in ``cwd``; the JSON object its output ends with.

    Raises:
        RuntimeError: the child failed (the end of its stderr is in the message).
    """
    result = subprocess.run([sys.executable, "-c", code, json.dumps(task)], cwd=cwd, env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{task.get('kind', 'measurement')} in {cwd} failed:\n"
                           f"{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
