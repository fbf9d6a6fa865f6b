"""Run files cut by a killed writer, made whole again before anyone reads them.

A crawl killed mid-write (the OOM killer, a timeout, a full disk) leaves its raw page and fetch
files cut after their last complete record (``khabar.run.records``). :func:`salvage_run` (run
by the extraction and by the loader before they read a run folder) keeps every complete record
of such a file in a new file under the same name, keeps the original bytes beside it
(``<name>.damaged``) and records what happened in the run folder's ``damaged-files.json``.
Before, one outlet's cut fetch log failed the whole night's load three times ("Input is not a
GZIP stream").
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from khabar.run.layout import DAMAGED_SUFFIX, FETCHES, RAW, RunFolder, outlet_of
from khabar.run.records import JsonlGzWriter


@dataclass(frozen=True)
class FileDamage:
    """A run file that was cut or unreadable, and what was kept of it."""

    path: str  # relative to the run folder: ``fetches/lebrief.jsonl.gz``
    outlet: str
    kind: str  # ``raw`` or ``fetches``
    records: int  # complete records kept (the file now holds exactly these)
    error: str  # what was wrong with it
    kept_as: str  # the original bytes, relative to the run folder

    def line(self) -> str:
        """One line for logs and reports."""
        what = "pages" if self.kind == RAW else "fetch records"
        return (f"{self.path} was {self.error}: kept its {self.records} complete {what} "
                f"(original bytes in {self.kept_as})")


_CHUNK = 1 << 20


def _decompressed(path: Path) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file (every member), chunk by chunk.

    Raises:
        EOFError: the data ends before its gzip trailer (a killed writer).
        zlib.error, OSError: it is not gzip, or corrupt.
    """
    with path.open("rb") as raw:
        data = raw.read(_CHUNK)
        if not data:
            raise EOFError("empty (0 bytes)")
        inflater = zlib.decompressobj(wbits=31)
        while True:
            out = inflater.decompress(data)
            if out:
                yield out
            if inflater.eof:
                rest = inflater.unused_data
                if not rest.strip(b"\0"):  # gzip allows zero padding after the last member
                    rest = raw.read(_CHUNK)
                    if not rest:
                        return
                inflater = zlib.decompressobj(wbits=31)
                data = rest
                continue
            data = raw.read(_CHUNK)
            if not data:
                tail = inflater.flush()
                if tail:
                    yield tail
                raise EOFError("compressed data ends before its end-of-stream marker")


def file_problem(path: Path | str) -> str | None:
    """None if ``path`` is a whole gzip file, else what is wrong with it (reads it through)."""
    try:
        for _ in _decompressed(Path(path)):
            pass
    except EOFError as exc:
        return f"cut ({exc})"
    except (zlib.error, OSError) as exc:
        return f"unreadable ({exc})"
    return None


def complete_records(path: Path | str) -> Iterator[dict[str, Any]]:
    """The JSON records of a gzip JSON-lines file, as far as they are whole: a cut or corrupt
    file gives every line before the damage that is complete (ends in a newline) and parses."""
    pending = b""
    try:
        for chunk in _decompressed(Path(path)):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    return  # garbage from here on
                if not isinstance(record, dict):
                    return
                yield record
    except (EOFError, zlib.error, OSError):
        return


def salvage(path: Path | str, run_dir: Path | str) -> FileDamage | None:
    """Make a cut or unreadable run file whole: the complete records it holds, in a new file
    under its name; its original bytes kept as ``<name>.damaged`` (``.damaged.1``... if taken).

    Each step leaves a usable state if the process dies (write a temporary file, hard-link the
    original to its new name, then rename the temporary file over the original), and running it
    again finishes the work.

    Returns:
        None if the file was whole (nothing done), else what was kept.
    """
    path, run_dir = Path(path), Path(run_dir)
    problem = file_problem(path)
    if problem is None:
        return None
    tmp = path.with_name(f".{path.name}.salvage")
    records = 0
    with JsonlGzWriter(tmp) as writer:
        for record in complete_records(path):
            writer.write(record)
            records += 1
    with tmp.open("rb") as done:  # on disk before it replaces anything
        os.fsync(done.fileno())
    kept = path.with_name(path.name + DAMAGED_SUFFIX)
    number = 0
    while kept.exists():
        number += 1
        kept = path.with_name(f"{path.name}{DAMAGED_SUFFIX}.{number}")
    try:
        os.link(path, kept)
    except OSError:  # a file system without hard links
        kept.write_bytes(path.read_bytes())
    os.replace(tmp, path)
    return FileDamage(path=str(path.relative_to(run_dir)), outlet=outlet_of(path),
                      kind=path.parent.name, records=records, error=problem,
                      kept_as=str(kept.relative_to(run_dir)))


def salvage_run(run_dir: Path | str, kinds: Iterable[str] = (RAW, FETCHES)
                ) -> list[FileDamage]:
    """Salvage every cut or unreadable ``<kind>/*.jsonl.gz`` of a run folder (see
    :func:`salvage`), add them to ``damaged-files.json``, and return those salvaged now."""
    folder = RunFolder(Path(run_dir))
    found = [damage for kind in kinds for path in folder.outlet_files(kind)
             if (damage := salvage(path, folder.path)) is not None]
    if found:
        record = {d.path + " " + d.kept_as: d for d in read_damage(run_dir)}
        record.update({d.path + " " + d.kept_as: d for d in found})
        target = folder.damage_file
        tmp = folder.hidden_tmp(target)
        tmp.write_text(json.dumps([asdict(d) for d in record.values()], indent=1),
                       encoding="utf-8")
        os.replace(tmp, target)
    return found


def read_damage(run_dir: Path | str) -> list[FileDamage]:
    """What ``salvage_run`` recorded for this run folder (nothing: an empty list)."""
    path = RunFolder(Path(run_dir)).damage_file
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        return [FileDamage(**item) for item in items]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError):
        return []  # the record itself damaged: the files are whole by now, which is what counts
