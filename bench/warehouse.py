"""Warehouse benchmark: load and deduplicate N generated articles, against DuckDB's own COPY.

    python -m bench.warehouse [--n 100000] [--workdir DIR] [--keep]

It generates N realistic articles (varied French text of ~4 KB across 12 outlets; 10% are
near-duplicates of another outlet's article, 5% verbatim aggregator copies naming their
original), writes a run folder exactly as the flow does (``raw/<outlet>.jsonl.gz``,
``fetches/<outlet>.jsonl.gz``, ``articles.parquet`` with ``flows.extraction.ARTICLE_SCHEMA``),
then measures, in the same process and run:

a. ``load_run`` of the whole run folder (raw pages, fetches, articles, versions, signatures,
   stories) in article rows per second, against DuckDB inserting the same ``articles.parquet``
   into a plain table (``INSERT INTO … SELECT * FROM read_parquet``, i.e. COPY);
b. the story grouping (``update_stories``: MinHash LSH over every signature, union-find, rewrite
   of story ids) at N/4, N/2 and N articles, with the time per article at each size;
c. peak RSS of this process after each phase.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from flows.extraction import ARTICLE_SCHEMA
from transforms.dedup import content_hash, minhash_signature
from warehouse import connect
from warehouse.load import load_run
from warehouse.queries import sql
from warehouse.stories import update_stories

OUTLETS = [
    "lebrief", "le360", "hespress_fr", "medias24", "telquel", "lematin", "lavieeco",
    "leseco", "h24info", "yabiladi", "barlamane", "maghress_fr",
]
AGGREGATOR = "maghress_fr"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
RUN_ID = "bench"

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


def _sentences(rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        words = [
            rng.choice(_WORDS) if rng.random() < 0.55 else rng.choice(_GLUE)
            for _ in range(rng.randint(12, 24))
        ]
        words.append(str(rng.randint(1, 2026)))
        rng.shuffle(words)
        out.append(" ".join(words).capitalize() + ".")
    return out


def generate(n: int, seed: int = 5) -> list[Doc]:
    """N articles: 85% originals, 10% near-duplicates elsewhere, 5% aggregator copies."""
    rng = random.Random(seed)
    pool = _sentences(rng, 30_000)
    docs: list[Doc] = []
    for i in range(n):
        published = T0 + timedelta(minutes=7 * i + rng.randint(0, 300))
        roll = rng.random()
        if docs and roll < 0.10:
            src = docs[rng.randrange(len(docs))]
            words = src.text.split()
            for _ in range(max(1, len(words) // 40)):  # ~2.5% of the words reworded
                words[rng.randrange(len(words))] = rng.choice(_WORDS)
            text = " ".join(words) + " " + rng.choice(pool)
            outlet = rng.choice([o for o in OUTLETS if o not in (src.outlet, AGGREGATOR)])
            title = src.title + " (réactions)"
            docs.append(Doc(outlet, f"https://{outlet}.ma/{i}/", title, text, published))
        elif docs and roll < 0.15:
            src = docs[rng.randrange(len(docs))]
            url = f"https://www.maghress.com/fr/{src.outlet}/{i}"
            docs.append(Doc(AGGREGATOR, url, src.title, src.text, src.published_at,
                            original_url=src.url, original_outlet=src.outlet))
        else:
            outlet = rng.choice(OUTLETS[:-1])
            paragraphs = [" ".join(rng.sample(pool, 5)) for _ in range(5)]
            text = "\n\n".join(paragraphs)[:4200]
            title = " ".join(rng.sample(_WORDS, 7)).capitalize()
            docs.append(Doc(outlet, f"https://{outlet}.ma/{i}/", title, text, published))
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


def write_run(run_dir: Path, docs: list[Doc], sigs: list[tuple[str, list[int]]],
              raw: bool = True) -> Path:
    """A run folder as crawl + extraction write it; ``raw=False`` writes only the parquet."""
    (run_dir / "raw").mkdir(parents=True, exist_ok=True)
    (run_dir / "fetches").mkdir(exist_ok=True)
    fetched = T0 + timedelta(days=400)
    stamp = fetched.isoformat().replace("+00:00", "Z")
    if raw:
        by_outlet: dict[str, list[Doc]] = {}
        for doc in docs:
            by_outlet.setdefault(doc.outlet, []).append(doc)
        for outlet, mine in by_outlet.items():
            with gzip.open(run_dir / "raw" / f"{outlet}.jsonl.gz", "wt", compresslevel=1) as f:
                for d in mine:
                    body = f"<html><head><title>{d.title}</title></head><body><article><p>"
                    body += d.text.replace("\n\n", "</p><p>") + "</p></article></body></html>"
                    f.write(json.dumps({
                        "run_id": RUN_ID, "outlet": outlet, "url": d.url, "final_url": d.url,
                        "status": 200, "headers": {"content-type": "text/html; charset=utf-8"},
                        "body_b64": base64.b64encode(body.encode()).decode(),
                        "fetched_at": stamp, "sources": ["sitemap"],
                    }) + "\n")
            with gzip.open(run_dir / "fetches" / f"{outlet}.jsonl.gz", "wt", compresslevel=1) as f:
                for d in mine:
                    f.write(json.dumps({
                        "run_id": RUN_ID, "outlet": outlet, "url": d.url, "status": 200,
                        "error": None, "bytes": len(d.text) + 120, "duration_ms": 80.0,
                        "fetched_at": stamp,
                    }) + "\n")
    rows = []
    for d, (chash, minhash) in zip(docs, sigs, strict=True):
        paragraphs = d.text.split("\n\n")
        rows.append({
            "run_id": RUN_ID, "outlet": d.outlet, "url": d.url, "canonical_url": d.url,
            "http_status": 200, "fetched_at": fetched, "verdict": "article", "reason": None,
            "title": d.title, "subtitle": None, "authors": ["Rédaction"],
            "published_at": d.published_at, "modified_at": None, "language": "fr",
            "categories": ["Politique"], "tags": [], "description": d.text[:160],
            "image": None, "paragraphs": paragraphs, "text": d.text,
            "word_count": len(d.text.split()), "extractor": "generic",
            "extractor_version": "bench", "original_outlet": d.original_outlet,
            "original_published_at": d.published_at if d.original_url else None,
            "original_url": d.original_url, "content_hash": chash, "minhash": minhash,
        })
    pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA),
                   run_dir / "articles.parquet", row_group_size=10_000)
    return run_dir


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy_baseline(parquet: Path, db: Path) -> float:
    """Seconds DuckDB takes to insert the parquet into a plain table of a fresh file."""
    con = duckdb.connect(str(db))
    con.execute(sql("bench_create_plain_articles"), {"path": str(parquet)})
    started = time.perf_counter()
    con.execute(sql("bench_insert_plain_articles"), {"path": str(parquet)})
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def time_stories(db: Path, repeat: int = 2) -> tuple[float, int]:
    """Best of ``repeat`` ``update_stories`` over the whole file (each rolled back), in seconds,
    and the story count. Best-of, because other work on a shared machine only adds time."""
    con = connect(db)
    best = float("inf")
    for _ in range(repeat):
        con.begin()
        started = time.perf_counter()
        stories = update_stories(con)
        best = min(best, time.perf_counter() - started)
        con.rollback()
    con.close()
    return best, stories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to generate")
    parser.add_argument("--workers", type=int, default=2, help="processes for signatures")
    parser.add_argument("--workdir", type=Path, help="where to write runs and databases")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench",
                        help="where generated signatures are kept between runs")
    args = parser.parse_args(argv)
    console = Console()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="khabar-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    phases: list[tuple[str, float, float]] = []  # (phase, seconds, peak RSS after)

    def phase(name: str, started: float) -> float:
        seconds = time.perf_counter() - started
        phases.append((name, seconds, peak_rss_mb()))
        console.log(f"{name}: {seconds:.1f} s")
        return seconds

    try:
        t = time.perf_counter()
        docs = generate(args.n)
        phase(f"generate {args.n:,} articles", t)
        t = time.perf_counter()
        sigs = signatures(docs, args.workers, args.cache / f"signatures-{args.n}.parquet")
        phase("content hash + MinHash (as extraction does)", t)
        t = time.perf_counter()
        full = write_run(work / "runs" / RUN_ID, docs, sigs)
        sizes = sorted({args.n // 4, args.n // 2})
        parts = {k: write_run(work / f"runs-{k}" / RUN_ID, docs[:k], sigs[:k], raw=False)
                 for k in sizes}
        phase("write run folders", t)
        del docs

        parquet = full / "articles.parquet"
        t = time.perf_counter()
        copy_seconds = copy_baseline(parquet, work / "plain.duckdb")
        phase("DuckDB INSERT … SELECT * FROM read_parquet (baseline)", t)

        db = work / "news.duckdb"
        con = connect(db)
        t = time.perf_counter()
        report = load_run(con, RUN_ID, full)
        load_seconds = phase("load_run: raw pages + fetches + articles + stories", t)
        t = time.perf_counter()
        con.close()
        phase("close (checkpoint)", t)
        articles_loaded = report.total.articles_new

        dedup: dict[int, tuple[float, int, float]] = {}
        for k, run_dir in parts.items():
            part_db = work / f"news-{k}.duckdb"
            part_con = connect(part_db)
            t = time.perf_counter()
            load_run(part_con, RUN_ID, run_dir)
            part_con.close()
            load_k = phase(f"load_run articles only, {k:,}", t)
            t = time.perf_counter()
            dedup[k] = (*time_stories(part_db), k / load_k)
            phase(f"update_stories at {k:,}", t)
        t = time.perf_counter()
        dedup[args.n] = (*time_stories(db), float("nan"))
        phase(f"update_stories at {args.n:,}", t)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"Load, {args.n:,} articles (~4 KB each) — same run, same parquet")
    for col in ("what", "seconds", "article rows/s", "vs COPY"):
        table.add_column(col, justify="right" if col != "what" else "left")
    copy_rate = args.n / copy_seconds
    table.add_row("DuckDB INSERT … SELECT * FROM read_parquet", f"{copy_seconds:.2f}",
                  f"{copy_rate:,.0f}", "1.00")
    rate = articles_loaded / load_seconds
    table.add_row("load_run (whole run folder, one transaction)", f"{load_seconds:.2f}",
                  f"{rate:,.0f}", f"{rate / copy_rate:.2f}")
    console.print(table)

    stories = Table(title="Story grouping (update_stories over every stored signature)")
    for col in ("articles", "seconds", "µs / article", "vs smallest", "stories"):
        stories.add_column(col, justify="right")
    smallest = min(dedup)
    base = dedup[smallest][0] / smallest
    for k in sorted(dedup):
        seconds, count, _ = dedup[k]
        stories.add_row(f"{k:,}", f"{seconds:.2f}", f"{seconds / k * 1e6:.0f}",
                        f"{seconds / k / base:.2f}", f"{count:,}")
    console.print(stories)

    rss = Table(title="Phases (peak RSS of this process after each)")
    for col in ("phase", "seconds", "peak RSS MB"):
        rss.add_column(col, justify="right" if col != "phase" else "left")
    for name, seconds, peak in phases:
        rss.add_row(name, f"{seconds:.1f}", f"{peak:,.0f}")
    console.print(rss)
    console.print(f"loaded: {report.total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
