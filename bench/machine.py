"""The machine a benchmark ran on, and how busy it was: numbers mean little without both.

``describe()`` is read once per report (hardware, OS, Python, library versions, git commit);
``sample_load()`` before and after every module, because on a shared machine another job's load
changes timings, and the report must show it rather than hide it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from bench.tables import markdown_table
from khabar.paths import PROJECT_ROOT as ROOT

LIBRARIES = ("scrapy", "trafilatura", "duckdb", "prefect")


@dataclass(frozen=True)
class Machine:
    """What stays the same during a run."""

    cpu: str
    cores_logical: int
    cores_physical: int | None
    ram_gb: float
    os: str
    kernel: str
    python: str
    libraries: dict[str, str]
    commit: str


@dataclass(frozen=True)
class Load:
    """How busy the machine was at one moment (whole machine, not only this process tree)."""

    at: float  # epoch seconds
    loadavg: tuple[float, float, float]
    cpu_busy: float  # percent of all cores, sampled over ``interval``
    ram_available_gb: float
    busiest: list[tuple[str, float]] = field(default_factory=list)  # (process, % of one core)

    def text(self) -> str:
        """``load 1.02 0.71 0.60, CPU 54% busy, 3.1 GB free``: one table cell."""
        one, five, fifteen = self.loadavg
        return (f"load {one:.2f} {five:.2f} {fifteen:.2f}, CPU {self.cpu_busy:.0f}% busy, "
                f"{self.ram_available_gb:.1f} GB free")


def cpu_model() -> str:
    """The CPU's marketing name (``/proc/cpuinfo`` on Linux; ``platform`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def os_name() -> str:
    """The distribution's name (``/etc/os-release``), else the system's."""
    try:
        return platform.freedesktop_os_release()["PRETTY_NAME"]
    except (OSError, KeyError):
        return platform.system()


def library_version(name: str) -> str:
    """Installed version of a distribution, or ``not installed``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_commit(root: Path = ROOT) -> str:
    """Short commit of the tree, with ``+ local changes`` when tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{commit} + local changes" if dirty else commit


def describe(root: Path = ROOT) -> Machine:
    """Hardware, OS, interpreter, the pipeline's library versions and the git commit."""
    uname = platform.uname()
    return Machine(
        cpu=cpu_model(),
        cores_logical=psutil.cpu_count(logical=True) or os.cpu_count() or 1,
        cores_physical=psutil.cpu_count(logical=False),
        ram_gb=psutil.virtual_memory().total / 2**30,
        os=os_name(),
        kernel=f"{uname.system} {uname.release} {uname.machine}",
        python=f"{platform.python_implementation()} {platform.python_version()}",
        libraries={name: library_version(name) for name in LIBRARIES},
        commit=git_commit(root),
    )


def _label(info: dict) -> str:
    """``python -m scrapy crawl``: enough of a command line to tell whose job it is."""
    cmdline = info.get("cmdline") or []
    if not cmdline:
        return info.get("name") or "?"
    words = [Path(cmdline[0]).name, *(Path(w).name if "/" in w else w for w in cmdline[1:4])]
    return " ".join(words)[:48]


def sample_load(interval: float = 1.0, top: int = 3) -> Load:
    """Load average, whole-machine CPU use over ``interval`` seconds, free RAM, and the
    ``top`` processes using the most CPU meanwhile (other people's jobs show up here)."""
    procs = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            proc.cpu_percent(None)  # first call starts the process's measurement
            procs.append(proc)
        except psutil.Error:
            continue
    busy = psutil.cpu_percent(interval=interval)
    used = []
    for proc in procs:
        try:
            used.append((_label(proc.info), proc.cpu_percent(None)))
        except psutil.Error:
            continue
    used.sort(key=lambda item: item[1], reverse=True)
    return Load(
        at=time.time(),
        loadavg=os.getloadavg(),
        cpu_busy=busy,
        ram_available_gb=psutil.virtual_memory().available / 2**30,
        busiest=[(name, pct) for name, pct in used[:top] if pct >= 5.0],
    )


def machine_markdown(machine: Machine) -> str:
    """A two-column Markdown table of ``machine``."""
    cores = f"{machine.cores_logical} logical"
    if machine.cores_physical:
        cores += f", {machine.cores_physical} physical"
    rows = [
        ["CPU", machine.cpu],
        ["cores", cores],
        ["RAM", f"{machine.ram_gb:.1f} GB"],
        ["OS", machine.os],
        ["kernel", machine.kernel],
        ["Python", machine.python],
        *([name, version] for name, version in machine.libraries.items()),
        ["git commit", machine.commit],
    ]
    return markdown_table(["what", "value"], rows)
