"""Warehouse benchmark: load speed against DuckDB's COPY, story grouping scaling, peak memory.

    python -m bench.warehouse [--sizes 10000,20000,40000] [--quick] [--markdown PATH]
                              [--before DIR] [--workdir DIR] [--keep]

It generates realistic articles (varied French text of ~4 KB across 12 outlets; 10% are
near-duplicates of another outlet's article, 5% verbatim aggregator copies naming their
original) and, for each size N, writes a run folder exactly as the flow does
(``raw/<outlet>.jsonl.gz`` with ~4.5 KB HTML bodies, ``fetches/<outlet>.jsonl.gz``,
``articles.parquet`` with ``pipeline.extraction.ARTICLE_SCHEMA``, and ``pages.parquet``, the pages
rows the extraction workers make with ``pipeline.extraction.page_row``: compressing the bodies is
extraction's work, parallel across its workers, and not part of the load measured here).
Then, each in a fresh process (so that its peak RSS is its own):

a. **baseline**: ``COPY plain_articles FROM 'articles.parquet'`` into a plain table with the
   parquet's columns (no key, no index) in a new file, DuckDB's default settings, then
   ``CHECKPOINT``;
b. ``load_run`` of the whole run folder (pages, fetches, extractions, articles, versions,
   signatures, story index, stories: one transaction) into a new warehouse, then ``CHECKPOINT``.
   Rates are article rows per second, both with their checkpoint: the load's commit checkpoints
   at once while COPY's leaves a WAL for later, so only the sums compare like with like;
c. ``update_stories`` regrouping every stored article from scratch (index rebuilt from every
   signature), best of ``--repeat``, each rolled back: µs per article at each N and the growth
   exponent (slope of log time over log N; 1 is linear);
d. a night of ``--night`` new articles loaded on top of the N-article warehouse: what a night
   costs as the warehouse grows.

``--before DIR`` runs b-d a second time with the code of another checkout (e.g. ``mkdir DIR &&
git archive HEAD | tar -x -C DIR``), in the same run, against the same baseline. A checkout that
lacks what the measurement calls is refused in one line: before any work when an import fails,
else when its measurement does (``bench.child``: its product modules come from DIR alone).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import itertools
import json
import math
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from bench.child import run_json
from bench.report import Section, Table, Target, Unit
from bench.tables import int_list
from bench.workdir import work_folder
from khabar.paths import PROJECT_ROOT as ROOT
from khabar.run.layout import RunFolder
from khabar.run.records import RawPage
from khabar.run.schemas import ARTICLE_SCHEMA, PAGES_SCHEMA, raw_files_stamp
from pipeline import extraction
from pipeline.extraction import page_row
from transforms.dedup import content_hash, minhash_signature
from transforms.story import features_row

OUTLETS = [
    "lebrief", "le360", "hespress_fr", "medias24", "telquel", "lematin", "lavieeco",
    "leseco", "h24info", "yabiladi", "barlamane", "maghress_fr",
]
AGGREGATOR = "maghress_fr"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SIZES = (10_000, 20_000, 40_000)
QUICK_SIZES = (1_000, 2_000, 4_000)
NIGHT_SIZE = 20_000  # the night: the load target is checked at the size nearest it
LOAD_TARGET = 0.5  # load_run rate / COPY rate
LINEAR_TARGET = 1.15  # growth exponent of story grouping at most this
MEMORY_TARGET_MB = 1024

_WORDS = (
    "gouvernement ministre réforme santé éducation élection parlement budget économie marché "
    "port énergie eau sécheresse agriculture tourisme investissement croissance inflation emploi "
    "jeunesse université hôpital route autoroute train aéroport Casablanca Rabat Tanger Marrakech "
    "Agadir Fès Oujda région commune projet programme stratégie développement coopération accord "
    "partenariat sommet délégation visite entretien déclaration communiqué conseil décret loi "
    "finances banque crédit dirham exportations importations phosphate automobile industrie "
    "numérique startup innovation recherche culture festival cinéma musique football équipe "
    "championnat sélection stade supporters victoire défaite match entraîneur joueur saison "
    "climat pluie récolte irrigation barrage dessalement solaire éolien hydrogène transition"
).split()
_GLUE = (
    "le la les un une des du de à au aux pour par sur dans avec sans selon après avant "
    "lors entre contre vers chez depuis pendant et ou mais donc car qui que dont où"
).split()


@dataclass
class Doc:
    outlet: str
    url: str
    title: str
    text: str
    published_at: datetime
    original_url: str | None = None
    original_outlet: str | None = None
    event: tuple[list[str], list[str]] = ([], [])  # its people and places, its figures


@dataclass
class Measure:
    """One child process's numbers (seconds without and with the checkpoint, CPU, memory)."""

    seconds: float
    total: float
    cpu: float
    peak_rss_mb: float
    start_rss_mb: float
    count: int = 0


def _names(count: int = 5_000) -> tuple[list[str], list[float]]:
    """Capitalised pseudo-names and their cumulative Zipf weights (s = 1: a few names in the
    news every day, most rare), the same in every process."""
    rng = random.Random(17)
    syllables = "ba bi da di ka ki la li ma mi na ni ra ri sa si ta ti za zi ou".split()
    names: dict[str, None] = {}
    while len(names) < count:
        names["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()] = None
    return list(names), list(itertools.accumulate(1 / (rank + 1) for rank in range(count)))


_NAMES, _NAME_WEIGHTS = _names()


def _sentence(rng: random.Random, names: list[str], figures: list[str]) -> str:
    """A sentence of vocabulary and glue words, naming one of the article's people or places 40%
    of the time and one of its figures 12% of the time (a real article of ~200 words names ~10
    people and places and gives ~3 figures: tests/golden)."""
    words = [
        rng.choice(_WORDS) if rng.random() < 0.55 else rng.choice(_GLUE)
        for _ in range(rng.randint(12, 24))
    ]
    if rng.random() < 0.4:
        words.insert(rng.randrange(1, len(words)), rng.choice(names))
    if rng.random() < 0.12:
        words.insert(rng.randrange(1, len(words)), rng.choice(figures))
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + "."


def generate(n: int, seed: int = 5) -> list[Doc]:
    """N articles: 85% originals, 10% near-duplicates elsewhere, 5% aggregator copies, the copies
    of an article of the last two days or so (as wire copies and pickups come).

    Each original has its own sentences (a shared pool of sentences made unrelated articles
    share sentences and, with a random number in each, ~25 figures: LSH and entity candidates
    no real text has) naming its own people and figures.
    ``generate(n)[:k] == generate(k)``: every size is a prefix of the largest.
    """
    rng = random.Random(seed)
    docs: list[Doc] = []
    for i in range(n):
        published = T0 + timedelta(minutes=7 * i + rng.randint(0, 300))
        roll = rng.random()
        if docs and roll < 0.15:
            src = docs[rng.randrange(max(0, len(docs) - 400), len(docs))]
        if docs and roll < 0.10:
            words = src.text.split()
            for _ in range(max(1, len(words) // 40)):  # ~2.5% of the words reworded
                words[rng.randrange(len(words))] = rng.choice(_WORDS)
            text = " ".join(words) + " " + _sentence(rng, *src.event)
            outlet = rng.choice([o for o in OUTLETS if o not in (src.outlet, AGGREGATOR)])
            title = src.title + " (réactions)"
            docs.append(Doc(outlet, f"https://{outlet}.ma/{i}/", title, text,
                            max(published, src.published_at), event=src.event))
        elif docs and roll < 0.15:
            url = f"https://www.maghress.com/fr/{src.outlet}/{i}"
            docs.append(Doc(AGGREGATOR, url, src.title, src.text, src.published_at,
                            original_url=src.url, original_outlet=src.outlet, event=src.event))
        else:
            outlet = rng.choice(OUTLETS[:-1])
            names = list(dict.fromkeys(rng.choices(_NAMES, cum_weights=_NAME_WEIGHTS, k=5)))
            figures = [f"{rng.randint(2, 999)}{rng.choice(['', ',5', '.000', ' 000', ' %'])}"
                       for _ in range(3)]
            paragraphs = [" ".join(_sentence(rng, names, figures) for _ in range(5))
                          for _ in range(6)]
            text = "\n\n".join(paragraphs)[:4200]
            title = " ".join(rng.sample(_WORDS, 7)).capitalize()
            docs.append(Doc(outlet, f"https://{outlet}.ma/{i}/", title, text, published,
                            event=(names, figures)))
    return docs


def _signatures(texts: list[str]) -> list[tuple[str, list[int]]]:
    return [(content_hash(t), minhash_signature(t)) for t in texts]


def signatures(docs: list[Doc], workers: int, cache: Path | None = None
               ) -> list[tuple[str, list[int]]]:
    """(content_hash, minhash) per doc with the extraction stage's functions (process pool);
    a verbatim copy reuses its original's. ``cache``: a parquet file kept between runs (the
    generated texts are deterministic for a given N)."""
    if cache is not None and cache.exists():
        table = pq.read_table(cache)
        return list(zip(table["content_hash"].to_pylist(), table["minhash"].to_pylist(),
                        strict=True))
    unique = list(dict.fromkeys(d.text for d in docs))
    chunk = 500
    parts = [unique[i : i + chunk] for i in range(0, len(unique), chunk)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        sigs = [sig for part in pool.map(_signatures, parts) for sig in part]
    by_text = dict(zip(unique, sigs, strict=True))
    out = [by_text[d.text] for d in docs]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"content_hash": [c for c, _ in out],
                                 "minhash": pa.array([m for _, m in out], pa.list_(pa.uint64()))}),
                       cache)
    return out


def _new(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_run(run_dir: Path, docs: list[Doc], sigs: list[tuple[str, list[int]]],
              run_id: str = "bench", fetched: datetime = T0 + timedelta(days=400)) -> Path:
    """A run folder as crawl + extraction write it."""
    folder = RunFolder(run_dir)
    stamp = fetched.isoformat().replace("+00:00", "Z")
    by_outlet: dict[str, list[Doc]] = {}
    for doc in docs:
        by_outlet.setdefault(doc.outlet, []).append(doc)
    page_rows = []
    for outlet, mine in sorted(by_outlet.items()):  # raw file order, as extraction reads them
        with gzip.open(_new(folder.raw_file(outlet)), "wt", compresslevel=1) as f:
            for d in mine:
                body = f"<html><head><title>{d.title}</title></head><body><article><p>"
                body += d.text.replace("\n\n", "</p><p>") + "</p></article></body></html>"
                line = {
                    "run_id": run_id, "outlet": outlet, "url": d.url, "final_url": d.url,
                    "status": 200, "headers": {"content-type": "text/html; charset=utf-8"},
                    "body_b64": base64.b64encode(body.encode()).decode(),
                    "fetched_at": stamp, "sources": ["sitemap"],
                }
                f.write(json.dumps(line) + "\n")
                page_rows.append(page_row(RawPage.from_dict(line), body.encode()))
        with gzip.open(_new(folder.fetches_file(outlet)), "wt", compresslevel=1) as f:
            for d in mine:
                f.write(json.dumps({
                    "run_id": run_id, "outlet": outlet, "url": d.url, "status": 200,
                    "error": None, "bytes": len(d.text) + 120, "duration_ms": 80.0,
                    "fetched_at": stamp,
                }) + "\n")
    rows = []
    for d, (chash, minhash) in zip(docs, sigs, strict=True):
        rows.append({
            "run_id": run_id, "outlet": d.outlet, "url": d.url, "canonical_url": d.url,
            "http_status": 200, "fetched_at": fetched, "verdict": "article", "reason": None,
            "title": d.title, "subtitle": None, "authors": ["Rédaction"],
            "published_at": d.published_at, "modified_at": None, "language": "fr",
            "categories": ["Politique"], "tags": [], "description": d.text[:160],
            "image": None, "paragraphs": d.text.split("\n\n"), "text": d.text,
            "word_count": len(d.text.split()), "extractor": "generic",
            "extractor_version": "bench", "original_outlet": d.original_outlet,
            "original_published_at": d.published_at if d.original_url else None,
            "original_url": d.original_url, "content_hash": chash, "minhash": minhash,
            # What the extraction workers compute for the story grouping (not timed here).
            "story": features_row(d.title, d.text, "fr"),
        })
    pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA),
                   folder.articles, row_group_size=10_000)
    schema = PAGES_SCHEMA.with_metadata(raw_files_stamp(folder.raw_files()))
    # As pipeline.extraction writes it: row groups of ~8 MB of compressed bodies, bodies as is.
    pq.write_table(pa.Table.from_pylist(page_rows, schema=schema), folder.pages,
                   row_group_size=2_000, compression=extraction._PAGES_COMPRESSION,
                   use_dictionary=extraction._PAGES_DICTIONARY)
    return run_dir


class OtherCheckoutFailed(RuntimeError):
    """A measurement of the ``--before`` checkout failed; the message is one line saying why."""


def run_child(task: dict, code: Path = ROOT) -> dict:
    """Run one measurement in a fresh interpreter inside checkout ``code``; what it returned.

    Raises:
        OtherCheckoutFailed: ``code`` is another checkout and the measurement failed in it (an
            older checkout may lack what this benchmark calls).
        RuntimeError: the measurement of this tree failed (the end of its stderr follows).
    """
    try:
        return run_json("bench.warehouse_child", task, cwd=code)
    except RuntimeError as exc:
        if code == ROOT:
            raise
        raise OtherCheckoutFailed(str(exc).splitlines()[0]) from None


def measure(task: dict, code: Path = ROOT) -> Measure:
    """One measurement's numbers (``run_child``)."""
    out = run_child(task, code)
    return Measure(out["seconds"], out["total"], out["cpu"], out["peak_rss_mb"],
                   out["start_rss_mb"], out.get("articles") or out.get("stories") or 0)


def exponent(points: dict[int, float]) -> float:
    """Least-squares slope of log(seconds) over log(N): 1 is linear, 2 quadratic."""
    xs = [math.log(n) for n in points]
    ys = [math.log(max(s, 1e-9)) for s in points.values()]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


@dataclass
class Results:
    sizes: list[int]
    night: int
    copy: dict[int, Measure]
    runs: dict[str, dict[str, dict[int, Measure]]]  # code label -> kind -> size -> numbers


def run_all(args: argparse.Namespace, work: Path, console: Console) -> Results:
    sizes = sorted(args.sizes)
    total = sizes[-1] + args.night
    started = time.perf_counter()
    docs = generate(total)
    sigs = signatures(docs, args.workers, args.cache / f"signatures-{total}.parquet")
    for k in sizes:
        run_dir = write_run(work / f"runs-{k}" / "bench", docs[:k], sigs[:k])
        alone = work / f"parquet-{k}" / "bench"  # COPY's input only: no raw pages, no fetch log
        alone.mkdir(parents=True)
        RunFolder(alone).articles.symlink_to(RunFolder(run_dir).articles)
    night_dir = write_run(work / "night" / "night", docs[sizes[-1]:], sigs[sizes[-1]:],
                          run_id="night", fetched=T0 + timedelta(days=401))
    console.log(f"generated {total:,} articles and run folders in "
                f"{time.perf_counter() - started:.0f} s")
    codes = {"after": ROOT}
    if args.before:
        codes["before"] = args.before
    copy: dict[int, Measure] = {}
    runs: dict[str, dict[str, dict[int, Measure]]] = {
        label: {"load": {}, "parquet": {}, "stories": {}, "night": {}} for label in codes}
    for k in sizes:
        run_dir = work / f"runs-{k}" / "bench"
        copy[k] = measure({"kind": "copy", "parquet": str(RunFolder(run_dir).articles),
                           "db": str(work / f"plain-{k}.duckdb")})
        console.log(f"COPY {k:,}: {copy[k].total:.2f} s")
        for label, code in codes.items():
            db = work / f"{label}-{k}.duckdb"
            found = runs[label]
            found["load"][k] = measure({"kind": "load", "db": str(db), "run_id": "bench",
                                        "run_dir": str(run_dir)}, code)
            found["stories"][k] = measure({"kind": "stories", "db": str(db),
                                           "repeat": args.repeat}, code)
            found["parquet"][k] = measure({"kind": "load", "db": str(work / f"{label}-p{k}.duckdb"),
                                           "run_id": "bench",
                                           "run_dir": str(work / f"parquet-{k}" / "bench")}, code)
            found["night"][k] = measure({"kind": "load", "db": str(work / f"{label}-night.duckdb"),
                                         "copy_from": str(db), "run_id": "night",
                                         "run_dir": str(night_dir)}, code)
            load, stories, night = (found[kind][k] for kind in ("load", "stories", "night"))
            console.log(f"{label} {k:,}: load {load.total:.2f} s, stories {stories.seconds:.2f} s,"
                        f" night {night.total:.2f} s")
    return Results(sizes, args.night, copy, runs)


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("nan")


def tables(res: Results) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, shared by the console and the markdown."""
    labels = list(res.runs)
    out = []
    for kind, title in (
        ("load", "Load speed: load_run of the run folder vs COPY of its articles.parquet"),
        ("parquet", "The same with articles.parquet alone (COPY's input: no raw pages, no fetch "
                    "log)"),
    ):
        header = ["articles", "COPY s (+ckpt)", "COPY rows/s", "COPY CPU s"]
        for label in labels:
            header += [f"load_run s (+ckpt), {label}", f"rows/s, {label}",
                       f"vs COPY, {label}", f"CPU s, {label}"]
        rows = []
        for k in res.sizes:
            c = res.copy[k]
            copy_rate = _rate(k, c.total)
            row = [f"{k:,}", f"{c.seconds:.2f} ({c.total:.2f})", f"{copy_rate:,.0f}",
                   f"{c.cpu:.2f}"]
            for label in labels:
                m = res.runs[label][kind][k]
                rate = _rate(k, m.total)
                row += [f"{m.seconds:.2f} ({m.total:.2f})", f"{rate:,.0f}",
                        f"{rate / copy_rate:.2f}", f"{m.cpu:.2f}"]
            rows.append(row)
        out.append((f"{title} (rates with checkpoint; CPU = user + system, all threads)",
                    header, rows))

    header = ["articles"]
    for label in labels:
        header += [f"seconds, {label}", f"µs/article, {label}"]
    header.append("stories")
    rows = []
    for k in res.sizes:
        row = [f"{k:,}"]
        for label in labels:
            s = res.runs[label]["stories"][k].seconds
            row += [f"{s:.2f}", f"{s / k * 1e6:.0f}"]
        row.append(f"{res.runs[labels[0]]['stories'][k].count:,}")
        rows.append(row)
    row = ["growth exponent"]
    for label in labels:
        row += [f"{exponent({k: m.seconds for k, m in res.runs[label]['stories'].items()}):.2f}",
                ""]
    rows.append([*row, ""])
    out.append(("Story grouping from scratch (update_stories over every stored article)",
                header, rows))

    header = ["stored articles"] + [f"night load s (+ckpt), {label}" for label in labels]
    rows = [[f"{k:,}"] + [f"{res.runs[label]['night'][k].seconds:.2f} "
                          f"({res.runs[label]['night'][k].total:.2f})" for label in labels]
            for k in res.sizes]
    out.append((f"A night of {res.night:,} new articles loaded on top of the stored ones",
                header, rows))

    header = ["process", "articles"] + [f"peak RSS MB, {label}" for label in labels]
    rows = [["COPY (DuckDB defaults)", f"{k:,}", f"{res.copy[k].peak_rss_mb:,.0f}"]
            + [""] * (len(labels) - 1) for k in res.sizes]
    for kind, name in (("load", "load_run"), ("stories", "update_stories"),
                       ("night", f"night of {res.night:,} on top")):
        for k in res.sizes:
            rows.append([name, f"{k:,}"] + [
                f"{res.runs[label][kind][k].peak_rss_mb:,.0f} "
                f"(imports {res.runs[label][kind][k].start_rss_mb:,.0f})" for label in labels])
    out.append(("Peak RSS of each measuring process (what Python + imports held at start)",
                header, rows))
    return out


def targets(res: Results) -> list[Target]:
    """The issue's three targets: load speed against COPY, linear grouping, peak memory."""
    label = "after"
    night = min(res.sizes, key=lambda k: abs(k - NIGHT_SIZE))
    copy = res.copy[night]
    load = res.runs[label]["load"][night]
    alone = res.runs[label]["parquet"][night]
    ratio = copy.total / load.total
    found = [Target(
        f"load_run ≥ {LOAD_TARGET}× COPY rate ({night:,} articles, both with checkpoint)",
        ratio, LOAD_TARGET, ">=", Unit(".2f"), note=f"{ratio:.2f}×",
        why=f"{ratio:.2f}×; in CPU time {copy.cpu / load.cpu:.2f}×; COPY's input alone loads at "
            f"{copy.total / alone.total:.2f}×. Most of the difference is the story grouping "
            "(about half of load_run's CPU at 10,000, profiled in BENCHMARKS.md); the rest is "
            "inserting the page bodies and writing the text twice, to articles and "
            "article_versions, within DuckDB's memory limit (KHABAR_DUCKDB_MEMORY, default "
            "256 MB)")]
    slope = exponent({k: m.seconds for k, m in res.runs[label]["stories"].items()})
    sizes = ", ".join(f"{k // 1000}k" for k in res.sizes)
    found.append(Target(f"story grouping linear ({sizes})", slope, LINEAR_TARGET, "<=",
                        Unit(".2f"), note=f"growth exponent {slope:.2f} ≤ {LINEAR_TARGET}",
                        why=f"growth exponent {slope:.2f}"))
    peak = load.peak_rss_mb
    found.append(Target(f"peak RSS of the {night:,}-article load < {MEMORY_TARGET_MB:,} MB",
                        peak, MEMORY_TARGET_MB, "<", Unit(",.0f", " MB"),
                        note=f"{peak:,.0f} MB, of which {load.start_rss_mb:,.0f} MB is Python "
                             "and imports; the whole night is measured by bench.memory"))
    return found


def section(res: Results, quick: bool) -> Section:
    """This module's section of BENCHMARKS.md."""
    intro = (
        f"Generated articles (~4 KB of French text, ~4.5 KB HTML pages, 12 outlets, 10% "
        f"near-duplicates, 5% aggregator copies) at {', '.join(f'{k:,}' for k in res.sizes)}"
        f"{' (--quick)' if quick else ''}. Baseline, same run and same parquet file: "
        "`COPY plain_articles FROM 'articles.parquet'` into a plain table with the parquet's "
        "columns (no key, no index), DuckDB defaults, then `CHECKPOINT`. `load_run` loads the "
        "whole run folder in one transaction, then `CHECKPOINT`; rates are article rows per "
        "second with the checkpoint on both sides (seconds without it in front). Each number "
        "comes from its own process.")
    if "before" in res.runs:
        intro += ("\n`before` is the same measurement with the code of the checkout given by "
                  "`--before`, in the same run.")
    return Section("Warehouse: load speed, story grouping, memory (`bench/warehouse.py`)",
                   [intro, *(Table(*table) for table in tables(res))], targets=targets(res))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list,
                        help=f"articles per run (default {','.join(map(str, SIZES))})")
    parser.add_argument("--night", type=int, help="new articles loaded on top (default 1000)")
    parser.add_argument("--repeat", type=int, help="story grouping runs, best kept (2; quick 1)")
    parser.add_argument("--quick", action="store_true", help="small sizes: well under a minute")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--before", type=Path, help="another checkout to measure the same way")
    parser.add_argument("--workers", type=int, default=2, help="processes for signatures")
    parser.add_argument("--workdir", type=Path, help="where to write runs and databases")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench",
                        help="where generated signatures are kept between runs")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or list(QUICK_SIZES if args.quick else SIZES)
    args.night = args.night or (200 if args.quick else 1_000)
    args.repeat = args.repeat or (1 if args.quick else 2)
    console = Console()
    try:
        if args.before:  # before any work: a checkout this benchmark cannot measure
            args.before = args.before.resolve()
            if not (args.before / "warehouse" / "__init__.py").is_file():
                raise OtherCheckoutFailed(f"{args.before} is no Khabar checkout (no warehouse/)")
            run_child({"kind": "probe"}, args.before)
        with work_folder(args.workdir, "run", args.keep) as work:
            res = run_all(args, work, console)
    except OtherCheckoutFailed as exc:
        print(f"bench.warehouse: --before {args.before}: {exc}", file=sys.stderr)
        return 2
    report = section(res, args.quick)
    report.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
