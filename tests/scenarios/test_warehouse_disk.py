"""A full disk under the warehouse, and a publish killed mid-copy: the real cause in one line,
nothing stored damaged, the read copy always the old one or the new one, no temp file left.

The full-disk tests mount a real small file system (tmpfs) and fill it to a chosen free space
with a preallocated file; they need root (``mount``) and are skipped with the reason otherwise.
``tests/scenarios/warehouse_faults.py`` sweeps many more free-space points for ``make reliability``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.scenarios.warehouse_faults import (
    CannotMount,
    base_warehouse,
    cli,
    filled,
    mounted_tmpfs,
    two_runs,
)
from tests.support import ROOT
from tests.support.runs import snapshot
from warehouse import connect, read_copy_path

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return two_runs(tmp_path_factory.mktemp("runs"), first=400, second=200)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, runs: tuple[Path, Path]) -> Path:
    """A warehouse holding the first run, with its read copy."""
    return base_warehouse(tmp_path_factory.mktemp("base"), runs[0])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, base: Path,
              runs: tuple[Path, Path]) -> dict:
    """Every row after both runs loaded on a disk with room."""
    db = tmp_path_factory.mktemp("reference") / "news.duckdb"
    db.write_bytes(base.read_bytes())
    cli(db, "load", runs[1])
    with connect(db, read_only=True) as con:
        return snapshot(con)


@pytest.fixture
def disk(tmp_path: Path):
    """A real 160 MB file system (tmpfs), unmounted after the test."""
    try:
        with mounted_tmpfs(tmp_path / "disk", 160 * 2**20) as mountpoint:
            yield mountpoint
    except CannotMount as exc:
        pytest.skip(str(exc))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_too_little_space_is_refused_before_writing(disk: Path, base: Path,
                                                    runs: tuple[Path, Path]) -> None:
    db = disk / "news.duckdb"
    db.write_bytes(base.read_bytes())
    read_copy_path(db).write_bytes(read_copy_path(base).read_bytes())
    with filled(disk, free=4 * 2**20):
        before = {p.name: _digest(p) for p in disk.iterdir() if p.name != "filler"}
        done = cli(db, "load", runs[1])
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and "not enough free space" in done.stderr
        assert {p.name: _digest(p) for p in disk.iterdir() if p.name != "filler"} == before


@pytest.mark.parametrize("free", [2**20, 5 * 2**20])
def test_full_disk_during_a_load_says_so_in_one_line_and_damages_nothing(
    disk: Path, base: Path, runs: tuple[Path, Path], reference: dict, free: int
) -> None:
    db = disk / "news.duckdb"
    db.write_bytes(base.read_bytes())
    copy = read_copy_path(db)
    copy.write_bytes(read_copy_path(base).read_bytes())
    old_copy = _digest(copy)
    # 1 MB runs out while the load writes; 5 MB mostly while its read copy is made.
    with filled(disk, free=free):
        done = cli(db, "load", runs[1], late=True)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "no space left" in done.stderr and "cannot rollback" not in done.stderr
    # What is stored is whole, and the message says which: the second run entirely ("is
    # loaded, but" its read copy is not made) or not at all; the read copy is the old one.
    with duckdb.connect(str(db), read_only=True) as con:
        per_run = dict(con.execute("select run_id, count(*) from extractions group by 1")
                       .fetchall())
    assert per_run in ({"r1": 400}, {"r1": 400, "r2": 200})
    assert ("is loaded, but" in done.stderr) == ("r2" in per_run)
    assert _digest(copy) == old_copy
    assert not [p for p in disk.iterdir() if p.name.endswith(".tmp")]
    # With room again, a rerun completes as if nothing had happened.
    again = cli(db, "load", runs[1])
    assert again.returncode == 0, again.stderr
    with connect(db, read_only=True) as con:
        assert snapshot(con) == reference
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select count(*) from extractions").fetchone() == (600,)


def test_full_disk_during_a_publish_keeps_the_old_copy(disk: Path, base: Path) -> None:
    db = disk / "news.duckdb"
    db.write_bytes(base.read_bytes())
    copy = read_copy_path(db)
    copy.write_bytes(read_copy_path(base).read_bytes())
    old_copy = _digest(copy)
    with filled(disk, free=db.stat().st_size // 2):  # half a copy's room
        done = cli(db, "publish", "--skip-index")
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "no space left" in done.stderr and "still the previous one" in done.stderr
    assert _digest(copy) == old_copy
    assert not [p for p in disk.iterdir() if p.name.endswith(".tmp")]
    again = cli(db, "publish", "--skip-index")
    assert again.returncode == 0 and "(replaced the one of" in again.stdout


def test_killed_publish_leaves_the_old_copy_and_its_temp_file_is_cleaned(
    tmp_path: Path, base: Path
) -> None:
    db = tmp_path / "news.duckdb"
    db.write_bytes(base.read_bytes())
    with duckdb.connect(str(db)) as con:  # ~60 MB more to copy: a publish takes a while
        con.execute("create table ballast as select md5(random()::varchar) || "
                    "md5(random()::varchar) as s from range(1000000)")
    copy = read_copy_path(db)
    assert cli(db, "publish", "--skip-index").returncode == 0
    old_copy = _digest(copy)
    with duckdb.connect(str(db)) as con:
        con.execute("insert into ballast values ('one more row')")

    def publisher() -> tuple[subprocess.Popen, Path]:
        proc = subprocess.Popen([sys.executable, "-m", "warehouse", "--db", str(db), "publish",
                                 "--skip-index"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        temp = copy.with_name(f".{copy.name}.{proc.pid}.tmp")
        deadline = time.monotonic() + 120
        while not temp.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        assert temp.exists(), "the publisher ended before its copy was seen"
        return proc, temp

    killed, leftover = publisher()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert leftover.exists() and leftover.stat().st_size > 0
    assert _digest(copy) == old_copy  # the old copy, whole
    # A live publisher's temp file is never touched: a second publish started meanwhile waits
    # for the first one's write lock, and both end with a whole copy.
    first, live = publisher()
    second = subprocess.run([sys.executable, "-m", "warehouse", "--db", str(db), "publish",
                             "--skip-index"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    first.communicate()
    assert second.returncode == 0, second.stderr
    assert not leftover.exists() and not live.exists()
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select count(*) from ballast").fetchone() == (1000001,)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    os.sync()
