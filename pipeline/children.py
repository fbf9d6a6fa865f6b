"""The processes a flow starts: each dies with its parent, has a timeout, and leaves nothing.

A flow starts crawls (``scrapy crawl``), the extraction process (with its forkserver and pool
workers), the load process and, run from the command line without a server, Prefect's temporary
API server. Three rules, all Linux-specific (elsewhere commands run as they are):

* **It dies with its parent.** A child is launched as
  ``python -m pipeline.children exec <parent pid> CMD...``: this launcher asks the kernel to
  SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``), exits if the parent is already
  gone, then ``exec``s ``CMD``, which keeps the death signal. A flow killed by the OOM killer
  or a worker then leaves no crawl writing into a run folder nobody will load. Pool workers
  get the same from :func:`die_with` (``pipeline.extraction``). Prefect's temporary server is
  started by Prefect, not by us: :func:`guard_process` starts a small guard that SIGKILLs it
  when the flow dies (``flows.server``).
* **It has a timeout**, after which its whole process group is killed.
* **When it ends, however it ends, its process group goes with it.** Each child leads a process
  group of its own; when it exits, whatever it left in the group (a forkserver, pool workers that
  would hold its output pipes open for ever) is SIGKILLed before its exit is reported. The
  child's exit is seen through a pidfd before it is reaped, so the group id cannot have been
  reused.

Measured before these rules (issue 15): killing the extraction process hung the night for ever
(3 of 3 tries: its pool workers outlived it holding the flow's pipes), and killing the flow left
the extraction pool and the temporary Prefect server running.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, Any, cast

from khabar.paths import PROJECT_ROOT

_LINUX = sys.platform.startswith("linux")
# This module as a command: the launcher of every child, and the guard.
_MODULE = "pipeline.children"
_PR_SET_PDEATHSIG = 1
# How long the reader of a child's output waits for EOF once the child's group is dead: a
# process that escaped the group (its own session) could hold the pipe; never wait for it.
_DRAIN_SECONDS = 5.0


class ChildFailed(RuntimeError):
    """A child process failed, died or timed out; the message is one line saying why."""


def set_death_signal(sig: int = signal.SIGKILL) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies (Linux; else no-op).

    "Parent" is the *thread* that started this process: a child must be started by a thread
    that outlives it (the flow's crawl threads live until every crawl has ended).
    """
    if _LINUX:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)


def die_with(owner: int) -> None:
    """Exit at once (``os._exit``) when process ``owner`` ends, from a daemon thread.

    For processes whose parent is not the process they serve: extraction workers are forked by
    the pool's forkserver, which outlives the extraction process as long as they live. A pidfd
    names the process itself, so a reused PID cannot fool it.
    """
    if not _LINUX:
        return
    try:
        pidfd = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)

    def watch() -> None:
        select.select([pidfd], [], [])
        os._exit(1)

    threading.Thread(target=watch, name=f"die-with-{owner}", daemon=True).start()


def dying_with_parent(cmd: Sequence[str]) -> list[str]:
    """``cmd`` launched so that it is killed when this process dies (Linux; elsewhere as is)."""
    if not _LINUX:
        return list(cmd)
    return [sys.executable, "-m", _MODULE, "exec", str(os.getpid()), *cmd]


def spawn(cmd: Sequence[str], *, stdout: int | IO[Any] | None = subprocess.PIPE,
          stderr: int | IO[Any] | None = subprocess.PIPE,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``cmd`` from the project root, dying with this process, leading its own group."""
    return subprocess.Popen(dying_with_parent(cmd), cwd=PROJECT_ROOT, env=env, stdout=stdout,
                            stderr=stderr, process_group=0 if _LINUX else None)


def finish(proc: subprocess.Popen, timeout: float | None) -> int | None:
    """Wait for ``proc`` (at most ``timeout`` seconds), then kill what is left of its process
    group and reap it.

    Returns:
        Its exit status (negative: killed by that signal), or None if it timed out (it and its
        group are killed then).
    """
    timed_out = False
    if _LINUX:
        pidfd = os.pidfd_open(proc.pid)
        try:
            # Readable once the child has exited, before it is reaped: while it is a zombie its
            # PID, hence its group id, cannot be given to another process.
            timed_out = not select.select([pidfd], [], [], timeout)[0]
        finally:
            os.close(pidfd)
        kill_group(proc.pid)
    else:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
    code = proc.wait()
    return None if timed_out else code


def kill_group(pgid: int) -> None:
    """SIGKILL every process of group ``pgid`` (none left: nothing to do)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def exit_reason(code: int | None, timeout: float | None = None,
                stderr: Sequence[str] = ()) -> str:
    """Why a child ended, in words: its last error line, the signal that killed it, a timeout."""
    if code is None:
        return f"still running after {timeout or 0:.0f} s: killed (timeout)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory? see `dmesg`)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    last = stderr[-1] if stderr else "no error output"
    return f"exit {code}: {last}"


def run_json_child(cmd: Sequence[str], what: str, *, timeout: float) -> dict[str, Any]:
    """Run ``cmd`` (dying with this process, at most ``timeout`` seconds) and parse the JSON
    line it ends its output with; its stderr lines come back as ``stderr`` (warnings to log).

    Its output goes through pipes, read by two threads: nothing of it touches a disk that may be
    full, and a process holding the pipes after the child's group is killed cannot hang us.

    Raises:
        ChildFailed: ``"<what> failed: <why>"``, why being its last error line, the signal that
            killed it, or the timeout.
    """
    proc = spawn(cmd)
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=_drain, args=(pipe, sink), daemon=True)
               for pipe, sink in ((proc.stdout, out), (proc.stderr, err))]
    for reader in readers:
        reader.start()
    code = finish(proc, timeout)
    for reader in readers:
        reader.join(_DRAIN_SECONDS)
    lines = [line for line in "".join(err).splitlines() if line.strip()]
    if code != 0:
        raise ChildFailed(f"{what} failed: {exit_reason(code, timeout, lines)}")
    try:
        outcome = json.loads("".join(out).splitlines()[-1])
    except (IndexError, ValueError):
        raise ChildFailed(f"{what} failed: exit 0 without its result line") from None
    outcome["stderr"] = lines
    return outcome


def _drain(pipe: IO[bytes] | None, sink: list[str]) -> None:
    if pipe is None:
        return
    reader = cast(io.BufferedReader, pipe)  # Popen's pipes (typed IO[bytes]) are buffered
    with reader:
        for chunk in iter(lambda: reader.read1(65536), b""):
            sink.append(chunk.decode("utf-8", errors="replace"))


# -- the guard of a process we did not start ----------------------------------------------------

def guard_process(pid: int) -> subprocess.Popen | None:
    """Start a guard that SIGKILLs process ``pid`` when this process dies (Linux; else None).

    For a process started by a library, without a death signal: Prefect's temporary API server.
    The guard gets SIGTERM from the kernel when this process dies, kills ``pid`` through a pidfd
    (never a reused PID), and exits; it also exits when ``pid`` ends first.
    """
    if not _LINUX:
        return None
    return subprocess.Popen([sys.executable, "-m", _MODULE, "guard", str(os.getpid()),
                             str(pid)], cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)


def _guard(parent: int, target: int) -> None:
    try:
        pidfd = os.pidfd_open(target)
    except ProcessLookupError:
        return

    def kill_target(*_: object) -> None:
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os._exit(0)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the flow stops its server itself
    signal.signal(signal.SIGTERM, kill_target)
    set_death_signal(signal.SIGTERM)
    if os.getppid() != parent:
        kill_target()
    select.select([pidfd], [], [])  # the target ended on its own: nothing to guard


def _exec(parent: int, cmd: list[str]) -> None:
    # The death signal is set here, in a single-threaded process, rather than in a preexec_fn
    # of the flow's subprocess call, which is unsafe in a process running threads. It survives
    # exec.
    set_death_signal(signal.SIGKILL)
    if os.getppid() != parent:
        raise SystemExit(f"pipeline.children: parent {parent} is gone, not starting {cmd[:4]}")
    os.execv(cmd[0], cmd)


def main(argv: list[str] | None = None) -> None:
    """``python -m pipeline.children exec PARENT_PID CMD...``: die with the parent, exec ``CMD``;
    ``python -m pipeline.children guard PARENT_PID PID``: kill ``PID`` when the parent dies."""
    mode, parent, *rest = argv if argv is not None else sys.argv[1:]
    if mode == "exec":
        _exec(int(parent), rest)
    elif mode == "guard":
        _guard(int(parent), int(rest[0]))
    else:
        raise SystemExit(f"pipeline.children: unknown mode {mode!r} (exec or guard)")


if __name__ == "__main__":
    main()
