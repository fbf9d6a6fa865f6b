"""The rule for warehouse commands that replace something on disk (``export``, ``publish``).

1. **Never replace a target they did not create.** A command checks what is at its target
   before writing anything, and refuses (one line, nothing touched) what it cannot tell is its
   own. How it knows:

   * an export directory holds a manifest, ``.khabar-export.json``, written into the new
     directory before it is renamed into place: when, from which database, and every file it
     holds. A directory is replaced only when it holds that manifest and no file the manifest
     does not list (someone's notes saved into it would be deleted: refused, named). An empty
     directory is taken (there is nothing to lose), and so is an export made before manifests
     existed, recognised by holding nothing but ``outlet=*/month=YYYY-MM/data_N.parquet``;
   * a read copy is a DuckDB database holding this project's ``schema_migrations`` (a copy of
     a khabar warehouse); anything else at ``<name>.read.duckdb`` is refused;

   ``load`` and ``reindex`` write into the warehouse file itself, whose ownership
   ``warehouse.connect`` checks (``warehouse.health``), and ``load`` refuses a folder that is
   not a loadable run folder (``warehouse.runfolder``).
2. **Write a new path, then rename.** The new export or copy is built at ``.<name>.<pid>.tmp``
   beside the target and renamed over it, so the target is always the old one or the new one.
3. **Say what they replaced** (the command line prints it: :func:`describe_export`,
   :func:`describe_file`).

A process killed while writing leaves its ``.<name>.<pid>.tmp`` (a full-size copy, for a read
copy). The next run of the command removes every such file whose process is gone
(:func:`remove_stale_temps`); one whose process is alive is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.errors import WarehouseError

MANIFEST = ".khabar-export.json"
_MANIFEST_KIND = "khabar warehouse export"
_LEGACY_FILE = re.compile(r"^outlet=[^/]+/month=\d{4}-\d{2}/data_\d+\.parquet$")


class TargetError(WarehouseError):
    """A command's target is not its own to replace; nothing was written."""


def temp_path(target: Path, kind: str = "tmp") -> Path:
    """``.<name>.<pid>.<kind>`` beside ``target``: this process's new (or old) version of it."""
    return target.with_name(f".{target.name}.{os.getpid()}.{kind}")


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the ``.<name>.<pid>.tmp`` / ``.old`` leftovers of ``target`` whose process is gone.

    Returns:
        What was removed.
    """
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.(?:tmp|old)$")
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    for path in target.parent.iterdir():
        match = pattern.match(path.name)
        if match is None or pid_alive(int(match[1])):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@dataclass(frozen=True)
class PreviousExport:
    """What an export directory held before it was replaced."""

    path: Path
    files: int
    exported_at: str | None  # None: an export from before manifests, or an empty directory
    articles: int | None


def check_export_target(out: Path) -> PreviousExport | None:
    """What ``export`` would replace at ``out``; ``None`` when nothing is there.

    Raises:
        TargetError: ``out`` is a file, a symbolic link, or a directory ``export`` did not
            write (the message names a file that would be lost).
    """
    if out.is_symlink():
        raise TargetError(f"{out} is a symbolic link: export to a real directory path; "
                          "nothing was written")
    if not out.exists():
        return None
    if not out.is_dir():
        raise TargetError(f"{out} exists and is a file, not an export directory: choose a new "
                          "directory (it is created); nothing was written")
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if not p.is_dir() or p.is_symlink())
    manifest = _read_manifest(out / MANIFEST)
    if manifest is None:
        if (out / MANIFEST).exists():
            raise TargetError(f"{out / MANIFEST} is not an export manifest: {out} was not "
                              "written by `warehouse export`; nothing was written")
        foreign = [f for f in found if not _LEGACY_FILE.match(f)]
        if foreign:
            raise _not_an_export(out, foreign)
        return PreviousExport(out, len(found), None, None)
    listed = set(manifest["files"]) | {MANIFEST}
    foreign = [f for f in found if f not in listed]
    if foreign:
        raise _not_an_export(out, foreign, manifest=True)
    return PreviousExport(out, len(manifest["files"]), manifest.get("exported_at"),
                          manifest.get("articles"))


def _not_an_export(out: Path, foreign: list[str], manifest: bool = False) -> TargetError:
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    why = ("holds files its export manifest does not list" if manifest
           else f"was not written by `warehouse export` (no {MANIFEST})")
    return TargetError(f"{out} {why}: {shown}. Replacing it would delete them: export to a new "
                       "directory, or move them away; nothing was written")


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != _MANIFEST_KIND:
        return None
    if not isinstance(data.get("files"), list):
        return None
    return data


def write_manifest(directory: Path, database: str, articles: int) -> list[Path]:
    """Write the manifest of a new export directory (before it is renamed into place).

    Returns:
        The Parquet files it lists, sorted.
    """
    files = sorted(directory.rglob("*.parquet"))
    body = {
        "kind": _MANIFEST_KIND,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "database": database,
        "articles": articles,
        "files": [f.relative_to(directory).as_posix() for f in files],
    }
    (directory / MANIFEST).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return files


def describe_export(previous: PreviousExport | None) -> str:
    """How the command line says what an export replaced."""
    if previous is None:
        return "new directory"
    if previous.exported_at is None:
        what = "an empty directory" if previous.files == 0 else "an export from before manifests"
        return f"replaced {what} ({previous.files} files)"
    articles = f", {previous.articles} articles" if previous.articles is not None else ""
    return f"replaced the export of {previous.exported_at} ({previous.files} files{articles})"


def describe_file(path: Path) -> str:
    """``replaced the one of <mtime> (<size>)`` for an existing file, else ``new file``."""
    try:
        stat = path.stat()
    except OSError:
        return "new file"
    when = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return f"replaced the one of {when.replace('+00:00', 'Z')} ({stat.st_size / 2**20:.1f} MB)"
