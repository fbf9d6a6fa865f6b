"""A measurement child's result survives what the measured code writes on stdout (DuckDB's
progress bar, an older checkout's prints), a child that fails or prints no result is reported
in one line, the child gets the benchmark's SQL from its parent, and ``bench.warehouse
--before`` refuses a checkout it cannot measure in one line, before any work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.child import BENCH_ROOT, run_json
from bench.sql import bench_statements

pytestmark = pytest.mark.integration  # fresh interpreters

_NOISY = '''
import os

import duckdb

from bench.child import child_main


def measure(task):
    con = duckdb.connect()
    # DuckDB's own progress bar, drawn on fd 1 for any statement slower than progress_bar_time.
    con.execute("SET progress_bar_time = 0")
    con.execute("SELECT count(*) FROM range(3000000) AS a WHERE a.range % 7 = 3").fetchall()
    print("an older checkout printing")
    os.write(1, b" 97% a bar left without its newline ")  # the result used to follow on its line
    return {"statements": sorted(task["sql"])}


if __name__ == "__main__":
    child_main(measure)
'''


def _module(folder: Path, name: str, text: str) -> dict[str, str]:
    """Write module ``name`` into ``folder``; the environment that lets a child import it."""
    (folder / f"{name}.py").write_text(text)
    return {**os.environ, "PYTHONPATH": str(folder)}


def test_the_result_survives_what_the_measured_code_writes_on_stdout(tmp_path: Path) -> None:
    env = _module(tmp_path, "noisy_child", _NOISY)
    out = run_json("noisy_child", {"kind": "noisy"}, env=env)
    assert out == {"statements": sorted(bench_statements())}
    assert {"checkpoint", "copy_plain_articles", "select_story_counts"} <= set(out["statements"])


def test_a_child_that_fails_or_prints_no_result_is_one_line(tmp_path: Path) -> None:
    env = _module(tmp_path, "failing_child", 'raise LookupError("no update_stories here")\n')
    with pytest.raises(RuntimeError) as failed:
        run_json("failing_child", {"kind": "stories"}, env=env)
    assert str(failed.value).splitlines()[0].endswith(
        "failed: LookupError: no update_stories here")
    env = _module(tmp_path, "mute_child", 'print("hello")\n')
    with pytest.raises(RuntimeError, match=r"^load \(mute_child\) in .* printed no result, "
                                           r"only 'hello\\n'$"):
        run_json("mute_child", {"kind": "load"}, env=env)


@pytest.mark.parametrize(("make", "said"), [
    (lambda root: None, "is no Khabar checkout (no warehouse/)"),
    (lambda root: (root / "warehouse").mkdir() or (root / "warehouse" / "__init__.py").write_text(
        "connect = None\n"), "failed: ModuleNotFoundError: No module named 'warehouse.load'"),
])
def test_bench_warehouse_refuses_a_checkout_it_cannot_measure_before_any_work(
        tmp_path: Path, make, said: str) -> None:
    make(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "bench.warehouse", "--quick", "--before", str(tmp_path),
         "--workdir", str(tmp_path / "work"), "--keep"],
        cwd=BENCH_ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"bench.warehouse: --before {tmp_path}: ") and said in line
    assert not (tmp_path / "work").exists()  # nothing generated
