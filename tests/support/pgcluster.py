"""A throwaway PostgreSQL cluster for tests: initdb in a temp folder, loopback port, stopped by PID.

The DuckLake backend (issue 17) keeps its catalog in PostgreSQL; its tests run against a real
server from the Debian package (``postgresql-15``: ``/usr/lib/postgresql/15/bin``), never a mock.

* **Root**: PostgreSQL refuses to run as root ("root" execution of the PostgreSQL server is not
  permitted). As root, the cluster's programs run as the unprivileged ``postgres`` account the
  Debian package creates (``subprocess`` ``user=``/``group=``: setuid in the child, no sudo or
  ``runuser`` needed), and the temp folder is given to that account. As any other user they run
  as that user.
* **Isolation**: the cluster listens on 127.0.0.1 only, on a free port; its unix socket is in the
  temp folder (never ``/var/run/postgresql``, where a system cluster may live); ``trust`` auth for
  loopback only (a throwaway cluster nobody else can reach). ``fsync=off``: a test cluster's
  durability is not under test, and it halves the time of DuckLake's many small catalog commits.
* **Stopping**: ``stop()`` sends SIGINT (PostgreSQL's fast shutdown) to the postmaster's PID,
  waits, then SIGKILL if it hangs, and removes the folder; the child also gets PR_SET_PDEATHSIG,
  so a killed test process does not leave a server behind. The session fixture
  (``tests/support/fixtures.py``) shares one cluster per session (a start costs ~2 s) and gives each
  test its own database.
* **Absent**: without ``initdb`` the tests that need it skip with the reason, except under CI
  (``CI`` set), where that is an error: ``.ci/run`` installs the package first.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Debian's layout; PATH is searched too (another distribution's package).
_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "khabar"
_PR_SET_PDEATHSIG = 1


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server programs on this machine (the reason says what to install)."""


def find_bindir() -> Path:
    """The folder holding ``initdb`` and ``postgres`` (newest Debian version first).

    Raises:
        PostgresUnavailable: none found.
    """
    found = sorted(glob.glob(_BIN_GLOB), key=lambda p: int(Path(p).parent.name)
                   if Path(p).parent.name.isdigit() else 0, reverse=True)
    for folder in found:
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "PostgreSQL server programs not found (no initdb in /usr/lib/postgresql/*/bin or PATH): "
        "`apt-get install postgresql-15` (what .ci/run does)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGINT (fast shutdown) when the test process dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


@dataclass
class PgCluster:
    """A running throwaway cluster (``start_cluster``); ``dsn(db)`` for a database in it."""

    root: Path
    bindir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    run_as: dict[str, object] = field(default_factory=dict)

    @property
    def pid(self) -> int | None:
        """The postmaster's PID (what ``stop`` signals)."""
        return self.process.pid if self.process else None

    def dsn(self, database: str) -> str:
        """A libpq key/value DSN for ``database`` (what DuckLake's ``postgres:`` part takes)."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    def url(self, database: str) -> str:
        """The same as a ``postgresql://`` URL (what users type in KHABAR_WAREHOUSE)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its DSN."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return self.dsn(name)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([str(self.bindir / program), *args], check=True, capture_output=True,
                       timeout=60, **self.run_as)  # type: ignore[call-overload]

    def stop(self) -> None:
        """Fast shutdown by PID (SIGKILL after 20 s), then remove the folder."""
        process, self.process = self.process, None
        try:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(timeout: float = 30.0) -> PgCluster:
    """initdb in a new temp folder and start the server on a free loopback port.

    Raises:
        PostgresUnavailable: no server programs here.
        RuntimeError: the server did not become ready (its log is in the message).
    """
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="khabar-pg-"))
    run_as: dict[str, object] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        # extra_groups=[]: drop root's supplementary groups too.
        run_as = {"user": "postgres", "group": account.pw_gid, "extra_groups": []}
    cluster = PgCluster(root=root, bindir=bindir, port=_free_port(), run_as=run_as)
    try:
        data = root / "data"
        cluster._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                     "--locale=C", "--no-sync")
        log = (root / "server.log").open("wb")
        cluster.process = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(cluster.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=100"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent, **run_as)
        log.close()
        _wait_ready(cluster, timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_ready(cluster: PgCluster, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cluster.process is not None and cluster.process.poll() is not None:
            break
        ready = subprocess.run(
            [str(cluster.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(cluster.port),
             "-U", SUPERUSER, "-q"], check=False, timeout=10)
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    log = (cluster.root / "server.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"PostgreSQL did not start on port {cluster.port}: {log}")
