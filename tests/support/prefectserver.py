"""A real ``prefect server`` on loopback, its workers, and a webhook receiver (not a test module).

The deployment and fan-out scenarios (``tests/scenarios/test_deploy.py``, ``test_fanout.py``)
start the server as a subprocess with its own PREFECT_HOME, stop every process they started by
process group, and read the results through the API.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
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
