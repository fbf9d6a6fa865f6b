"""A finished run folder copied to object storage (or any fsspec URL) as whole objects.

A run folder cannot *live* on an object store while its run works (docs/scale.md): the crawl
appends to gzip JSON lines flushed after every record so that a killed crawl leaves a readable
prefix, writers rename ``*.tmp`` files into place, and the night checks free disk space; object
stores have no append, no atomic rename and no free space. So a run works in a local folder as
always, and once it is over :func:`archive_run` uploads it with fsspec (``s3://``, ``gs://``,
``az://``… with their fsspec package installed; ``memory://`` and plain paths for tests):

* every file is one object written whole (a PUT is all or nothing: no reader sees half a file);
  ``*.tmp`` files (a writer cut short) are left out;
* the marker (``.khabar-run``) goes last, after every other object was checked against its local
  size, and is removed first when a folder is archived again: **an archived folder holding the
  marker is complete** (:func:`archived_runs` lists only those);
* archiving again overwrites the same keys and removes keys the local folder no longer has: an
  upload cut short (a killed worker, a network error) is finished by the next one, and nothing is
  duplicated.

    python -m khabar.run.archive data/runs/20261206T020000-12345 s3://bucket/khabar/runs
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec

from khabar.run.layout import MARKER, TMP_SUFFIX, RunFolder

__all__ = ["ArchiveError", "Archived", "NotARunFolder", "archive_run", "archived_runs", "main"]


class ArchiveError(RuntimeError):
    """The archive does not hold what was uploaded (or the folder is no run folder)."""


class NotARunFolder(ArchiveError):
    """The folder to archive is not a run folder: nothing was uploaded."""


@dataclass(frozen=True)
class Archived:
    """What :func:`archive_run` uploaded."""

    run_id: str
    url: str  # the archived folder
    files: int  # the marker included
    bytes: int
    removed: int  # stale keys removed (files the local folder no longer has)


def _filesystem(url: str, fs: Any | None) -> tuple[Any, str]:
    if fs is not None:
        return fs, fs._strip_protocol(url).rstrip("/")
    filesystem, root = fsspec.core.url_to_fs(url)
    return filesystem, str(root).rstrip("/")


def _join(root: str, relative: str) -> str:
    return f"{root}/{relative}" if root else relative


def archive_run(run_dir: Path | str, url: str, *, fs: Any | None = None) -> Archived:
    """Upload the run folder ``run_dir`` to ``<url>/<folder name>/``, the marker last.

    Args:
        run_dir: a run folder (it holds the marker ``RunFolder.mark`` writes).
        url: where archived run folders go (an fsspec URL or a local path).
        fs: the fsspec filesystem to use (default: the one ``url`` names).

    Raises:
        NotARunFolder: ``run_dir`` is no run folder; nothing is uploaded.
        ArchiveError: an object's size differs from its file's after the upload (the marker is
            not written).
        OSError: the store failed; the archived folder has no marker, the next call finishes it.
    """
    folder = RunFolder(Path(run_dir))
    run_id = folder.marked_run_id()
    if not folder.path.is_dir() or run_id is None:
        raise NotARunFolder(f"{folder.path} is not a run folder (no readable {MARKER}): "
                           "nothing archived")
    filesystem, root = _filesystem(url, fs)
    dest = _join(root, folder.path.name)
    files = {path.relative_to(folder.path).as_posix(): path
             for path in sorted(folder.path.rglob("*"))
             if path.is_file() and not path.name.endswith(TMP_SUFFIX) and path != folder.marker}
    marker_key = _join(dest, MARKER)
    if filesystem.exists(marker_key):  # from now on the archived folder reads as incomplete
        filesystem.rm(marker_key)
    # Folders exist on a mounted path and mean nothing to an object store (a no-op there).
    for parent in sorted({filesystem._parent(_join(dest, r)) for r in [*files, MARKER]}):
        filesystem.makedirs(parent, exist_ok=True)
    for relative, path in files.items():
        filesystem.put_file(str(path), _join(dest, relative))
    stored = _objects(filesystem, dest)
    for relative, path in files.items():
        size = stored.get(relative)
        if size != path.stat().st_size:
            raise ArchiveError(f"{_join(dest, relative)}: {size} bytes stored, "
                               f"{path.stat().st_size} in {path}; the marker was not written")
    stale = sorted(set(stored) - set(files) - {MARKER})
    for relative in stale:
        filesystem.rm(_join(dest, relative))
    filesystem.put_file(str(folder.marker), marker_key)
    total = sum(path.stat().st_size for path in files.values()) + folder.marker.stat().st_size
    return Archived(run_id, _url(filesystem, dest), len(files) + 1, total, len(stale))


def _objects(filesystem: Any, dest: str) -> dict[str, int]:
    """Every object under ``dest``: its key relative to ``dest`` → its size."""
    if not filesystem.exists(dest):
        return {}
    found = filesystem.find(dest, detail=True)
    prefix = filesystem._strip_protocol(dest).rstrip("/") + "/"
    return {filesystem._strip_protocol(name).removeprefix(prefix): int(info.get("size") or 0)
            for name, info in found.items() if info.get("type") != "directory"}


def _url(filesystem: Any, path: str) -> str:
    protocol = filesystem.protocol
    scheme = protocol[0] if isinstance(protocol, (tuple, list)) else protocol
    return path if scheme in ("file", "local") else f"{scheme}://{path.lstrip('/')}"


def archived_runs(url: str, *, fs: Any | None = None) -> list[str]:
    """The folder names (run ids) of the complete run folders archived under ``url``."""
    filesystem, root = _filesystem(url, fs)
    if not filesystem.exists(root):
        return []
    names = []
    for entry in filesystem.ls(root, detail=True):
        if entry.get("type") == "directory":
            name = str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]
            if filesystem.exists(_join(_join(root, name), MARKER)):
                names.append(name)
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    """Archive one run folder; exit 0, 1 when the store failed, 2 on bad input."""
    parser = argparse.ArgumentParser(prog="python -m khabar.run.archive",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="the run folder")
    parser.add_argument("url", help="where archived run folders go (fsspec URL or path)")
    args = parser.parse_args(argv)
    try:
        done = archive_run(args.run_dir, args.url)
    except NotARunFolder as error:
        print(f"archive: {error}", file=sys.stderr)
        return 2
    except (ArchiveError, OSError, ValueError, ImportError) as error:
        print(f"archive: {args.url}: {error} (run it again to finish the upload)",
              file=sys.stderr)
        return 1
    print(f"archived run {done.run_id}: {done.files} files, {done.bytes:,} bytes to {done.url}"
          + (f" ({done.removed} stale removed)" if done.removed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
