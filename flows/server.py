"""Prefect's temporary API server, for a flow run from the command line without a server."""

from __future__ import annotations

from prefect.settings import PREFECT_API_URL

from pipeline.children import guard_process


def start_guarded_api_server() -> None:
    """Without ``PREFECT_API_URL``, start Prefect's temporary API server now, as the flow would
    on its first API call (it is one server per process: the flow then uses this one), and
    guard it so that it dies with this process (``pipeline.children.guard_process``). Prefect
    stops it at a normal exit; killed, the flow process used to leave it running (issue 15)."""
    # Here, not at the top: the server's modules (FastAPI, SQLAlchemy) cost every importer of
    # the flows a second, and only a command-line run needs them.
    from prefect.server.api.server import SubprocessASGIServer

    if PREFECT_API_URL.value():
        return
    server = SubprocessASGIServer()
    server.start()
    if server.server_process is not None:
        guard_process(server.server_process.pid)
