"""What a run folder must hold to be loaded, checked before the load writes anything.

A load replaces the run's rows (``warehouse.load``), so loading a folder that is not what the
run left would empty the run: a mistyped path loaded as "a run with no pages" removed every row
of that run (36 articles to 0) and published an empty read copy. So, before any write:

* the folder must exist and hold ``articles.parquet``: the extraction writes it last (renamed
  into place), after reading every raw file, so it is the mark of a finished run folder. Without
  it the folder is refused, saying which case it is: crawled but never extracted (raw files,
  no ``articles.parquet``), extraction cut short (``articles.parquet.tmp``), or not a run
  folder at all (an empty or mistyped path);
* the files must be the run's: every row of ``articles.parquet`` carries the run id being
  loaded. A folder whose files hold no row (a night that fetched nothing) is only taken under
  its own name, never under another ``--run-id``.

Partly present folders: the raw page files may be deleted once a run is loaded (the warehouse
keeps every body, compressed), and a re-extraction moves them to ``source/`` on purpose. So an
outlet the extraction saw (it has rows in ``articles.parquet``) whose ``raw/<outlet>.jsonl.gz``
is gone keeps the pages stored for it, and likewise its fetch log when
``fetches/<outlet>.jsonl.gz`` is gone. A file that is there replaces what is stored, as always
(a reload with fewer pages removes what they contributed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from khabar.run.layout import ARTICLES_FILE, EXTRACT_COMMAND, FETCHES, RAW, RunFolder, outlet_of
from warehouse.queries import sql
from warehouse.rawpages import RunFilesError, check_parquet, check_run_ids


@dataclass(frozen=True)
class LoadableRun:
    """A loadable run folder: its files, and the outlets whose stored rows it leaves alone."""

    path: Path
    raw: list[Path]
    fetches: list[Path]
    articles: Path
    keep_pages: list[str]
    keep_fetches: list[str]


def _outlets(files: list[Path]) -> set[str]:
    return {outlet_of(f) for f in files}


def check_run_folder(con: duckdb.DuckDBPyConnection, run_dir: Path, run_id: str
                     ) -> LoadableRun:
    """The run folder's files, or a ``RunFilesError`` saying why it cannot be loaded.

    Args:
        con: any warehouse connection (only the folder's files are read).
        run_dir: the folder.
        run_id: the run it is loaded as.

    Raises:
        RunFilesError: the folder is missing, not a folder, not extracted, or not the run's;
            the message is one line and says what to do.
    """
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise RunFilesError(f"run folder {run_dir} does not exist: nothing was loaded or "
                            "changed (check the path; runs are under KHABAR_RUNS_DIR, default "
                            "data/runs)")
    if not run_dir.is_dir():
        raise RunFilesError(f"{run_dir} is not a run folder but a file: nothing was loaded")
    folder = RunFolder(run_dir)
    raw, fetches, articles = folder.raw_files(), folder.fetch_files(), folder.articles
    if not articles.is_file():
        raise RunFilesError(_not_extracted(run_dir, raw, fetches))
    check_parquet(articles)
    found = [r[0] for r in con.execute(sql("runfolder", "select_parquet_run_ids"),
                                       {"path": str(articles)}).fetchall()]
    check_run_ids(found, run_id, str(articles))
    name = run_dir.resolve().name
    if not found and run_id != name:
        raise RunFilesError(f"{run_dir} holds no rows that name their run, so it is only loaded "
                            f"as the run its name says ({name!r}), not as {run_id!r}: nothing "
                            "was loaded")
    seen = {r[0] for r in con.execute(sql("runfolder", "select_parquet_outlets"),
                                      {"path": str(articles)}).fetchall()}
    return LoadableRun(run_dir, raw, fetches, articles,
                     keep_pages=sorted(seen - _outlets(raw)),
                     keep_fetches=sorted(seen - _outlets(fetches)))


def _not_extracted(run_dir: Path, raw: list[Path], fetches: list[Path]) -> str:
    tmp = RunFolder.tmp(RunFolder(run_dir).articles)
    if tmp.exists():
        return (f"the extraction of {run_dir} did not finish ({tmp.name}, no {ARTICLES_FILE}): "
                f"extract it again ({EXTRACT_COMMAND} {run_dir}), then load it; nothing was "
                "loaded")
    if raw or fetches:
        return (f"{run_dir} was crawled but never extracted (no {ARTICLES_FILE}): extract it "
                f"first ({EXTRACT_COMMAND} {run_dir}), then load it; nothing was loaded")
    return (f"{run_dir} is not a run folder (no {ARTICLES_FILE}, {RAW}/ or {FETCHES}/ files): "
            "nothing was loaded or changed (check the path)")
