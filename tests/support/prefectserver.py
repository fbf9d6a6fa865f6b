"""A real ``prefect server`` on loopback, its workers, and a webhook receiver (not a test module).

:class:`PrefectServer` is ``prefect server start`` in a subprocess with its own PREFECT_HOME;
:class:`Fleet` adds the ``khabar`` process work pool, the ``warehouse-writes`` limit, the
deployments of prefect.yaml and ``prefect worker start`` processes, each in its own working and
temp folder, all loading the DuckLake it is given. Every process is started in its own session
and stopped by its process group (never by name: other sessions run Prefect too). Used by the
deployment and fan-out scenarios (``tests/scenarios/test_deploy.py``, ``test_fanout.py``) and by
``bench/workers.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

import httpx

from tests.support import ROOT
from tests.support.loopback import LoopbackServer

PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class PrefectServer:
    """A ``prefect server start`` subprocess with its own PREFECT_HOME."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {
            **os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "KHABAR_HOME": str(ROOT),
            "PREFECT_LOGGING_LEVEL": "INFO",
        }
        self.procs: list[subprocess.Popen] = []

    def start(self, timeout: float = 120) -> float:
        started = time.monotonic()
        log = (self.tmp / "server.log").open("wb")
        self.procs.append(subprocess.Popen(
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        while time.monotonic() - started < timeout:
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            assert self.procs[0].poll() is None, (self.tmp / "server.log").read_text()[-2000:]
            time.sleep(0.5)
        raise TimeoutError(f"prefect server not healthy after {timeout} s")

    def cli(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run([*PREFECT, *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        assert proc.returncode == 0, f"prefect {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def worker(self, name: str, log: Path) -> subprocess.Popen:
        proc = subprocess.Popen(
            [*PREFECT, "worker", "start", "--pool", "khabar", "--run-once", "--limit", "1",
             "--name", name],
            cwd=ROOT, env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop_process(proc)


def prefect_client(srv: PrefectServer) -> Any:
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(srv.api)



class WebhookReceiver:
    """A webhook receiver on loopback: keeps every request body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        # HTTP/1.0 and POST only: what the receiver answered before it shared LoopbackServer.
        self._loopback = LoopbackServer(self._receive, methods=("POST",), protocol="HTTP/1.0",
                                        name="webhook")

    def _receive(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        with self._lock:
            self.bodies.append(body)
        handler.send_response(204)
        handler.end_headers()

    @property
    def url(self) -> str:
        return f"{self._loopback.base}/khabar-hook"

    def start(self) -> Self:
        self._loopback.start()
        return self

    def stop(self) -> None:
        self._loopback.stop()


class Fleet:
    """The server, its deployments, and the workers started so far (stopped by PID).

    Args:
        tmp: the fleet's folder (server home, one ``worker-NAME`` folder per worker).
        lake: the ``warehouse.backend.LakeConfig`` every worker loads into (None: set it
            later with :meth:`use_lake`).
        env: more environment for the server, the workers and their flow runs.
    """

    def __init__(self, tmp: Path, lake: Any, env: Mapping[str, str] | None = None) -> None:
        self.tmp = tmp
        self.server = PrefectServer(tmp)
        self.server.env.update(env or {})
        if lake is not None:
            self.use_lake(lake)
        self.workers: dict[str, subprocess.Popen] = {}
        self.tmpdirs: list[str] = []

    def use_lake(self, lake: Any) -> None:
        """Workers started from now on load ``lake``."""
        self.server.env.update({"KHABAR_WAREHOUSE": f"ducklake:{lake.catalog}",
                                "KHABAR_LAKE_DATA": str(lake.data_path)})

    def start(self, timeout: float = 120) -> None:
        """Start the server (healthy within ``timeout`` seconds), the pool and deployments."""
        from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, WorkPoolCreate
        from prefect.workers.process import ProcessWorker

        self.server.start(timeout)
        with prefect_client(self.server) as api:
            api.create_work_pool(WorkPoolCreate(
                name="khabar", type="process",
                base_job_template=ProcessWorker.get_default_base_job_template()))
            # the runbook's limit for the DuckDB file: the lake's shards must not queue on it
            api.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name="warehouse-writes", limit=1))
        self.server.cli("--no-prompt", "deploy", "--all", timeout=max(120.0, timeout))

    def worker(self, name: str, limit: int = 1) -> subprocess.Popen:
        """``prefect worker start`` in its own folder (cwd, TMPDIR), ``limit`` flow runs at once."""
        home = self.tmp / f"worker-{name}"
        home.mkdir(parents=True, exist_ok=True)
        # Short: multiprocessing puts AF_UNIX sockets there (108 bytes at most on Linux).
        tmpdir = tempfile.mkdtemp(prefix=f"kw{name}-", dir="/tmp")
        self.tmpdirs.append(tmpdir)
        log = (home / "worker.log").open("ab")
        proc = subprocess.Popen(
            [*PREFECT, "worker", "start", "--pool", "khabar", "--limit", str(limit),
             "--name", name],
            cwd=home, env={**self.server.env, "TMPDIR": tmpdir}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.workers[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp / f"worker-{name}" / "worker.log").read_text(errors="replace")

    def fanout(self, runs: Path, timeout: float, outlets: list[str]) -> subprocess.Popen:
        """``python -m flows.fanout`` over the snapshot's ``outlets``, one shard each."""
        return subprocess.Popen(
            [sys.executable, "-m", "flows.fanout", "--snapshot", "--outlets", ",".join(outlets),
             "--runs-dir", str(runs), "--timeout", str(timeout)],
            cwd=ROOT, env=self.server.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)

    def stop_workers(self) -> None:
        for proc in self.workers.values():
            stop_process(proc)
        self.workers.clear()
        for tmpdir in self.tmpdirs:
            shutil.rmtree(tmpdir, ignore_errors=True)
        self.tmpdirs.clear()

    def stop(self) -> None:
        self.stop_workers()
        self.server.stop()
