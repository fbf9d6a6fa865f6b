"""Run folders made from ``Article`` records, as the crawler and the extraction stage write them
(raw jsonl.gz, fetch log, articles.parquet), and what a loaded warehouse holds (not a test
module): the factories of the warehouse, story, recheck, salvage and stage-process tests."""

from __future__ import annotations

import base64
import gzip
import json
import types
import typing
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from khabar.run.layout import FETCHES, RAW, RunFolder
from transforms.dedup import content_hash, minhash_signature
from transforms.record import Article, Verdict

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TABLES = (
    "pages",
    "fetches",
    "extractions",
    "articles",
    "article_versions",
    "article_signatures",
    "stories",
    "story_features",
    "story_keys",
    "story_links",
    "version_changes",
)

# --- run folder builders -----------------------------------------------------------------------


def _arrow_type(annotation: object) -> pa.DataType:
    """Parquet type of an ``Article`` field, following the flow's contract."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return _arrow_type(args[0])
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):  # Article.embeds
            return pa.list_(pa.struct(
                [(n, _arrow_type(f.annotation)) for n, f in item.model_fields.items()]))
        return pa.list_(pa.string())
    if annotation is datetime:
        return pa.timestamp("us", tz="UTC")
    if annotation is int:
        return pa.int64()
    return pa.string()  # str and the Verdict enum


def _schema() -> pa.Schema:
    fields = [pa.field(n, _arrow_type(f.annotation)) for n, f in Article.model_fields.items()]
    return pa.schema(
        [
            *fields,
            pa.field("run_id", pa.string()),
            pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
            pa.field("http_status", pa.int64()),
            pa.field("content_hash", pa.string()),
            pa.field("minhash", pa.list_(pa.uint64())),
        ]
    )


def art(outlet: str, slug: str, text: str, *, title: str | None = None, **extra: object) -> Article:
    """An article page of ``outlet`` at ``https://<outlet>.ma/<slug>``."""
    url = f"https://{outlet}.ma/{slug}"
    fields: dict[str, object] = {
        "verdict": Verdict.ARTICLE,
        "outlet": outlet,
        "url": url,
        "canonical_url": url,
        "title": title or slug.replace("-", " "),
        "text": text,
        "word_count": len(text.split()),
        "language": "fr",
        "authors": ["Rédaction"],
        "published_at": T0,
        "extractor": "generic",
        "extractor_version": "1",
    }
    fields.update(extra)
    return Article.model_validate(fields)


def non_article(outlet: str, slug: str, verdict: Verdict) -> Article:
    url = f"https://{outlet}.ma/{slug}"
    return Article(verdict=verdict, outlet=outlet, url=url, canonical_url=url, reason="test")


def write_run(
    root: Path,
    run_id: str,
    pages: list[Article],
    *,
    fetched_at: datetime = T0,
    failed_fetches: dict[str, int] | None = None,
) -> Path:
    """A run folder as the crawler and the extraction flow write it."""
    run_dir = root / run_id
    folder = RunFolder(run_dir)
    for kind in (RAW, FETCHES):
        (run_dir / kind).mkdir(parents=True)
    stamp = fetched_at.isoformat().replace("+00:00", "Z")
    outlets = sorted({p.outlet for p in pages} | set(failed_fetches or {}))
    for outlet in outlets:
        mine = [p for p in pages if p.outlet == outlet]
        raw = [
            {
                "run_id": run_id,
                "outlet": outlet,
                "url": p.url,
                "final_url": p.url,
                "status": 200,
                "headers": {"content-type": "text/html; charset=utf-8"},
                "body_b64": base64.b64encode(f"<p>{p.text}</p>".encode()).decode(),
                "fetched_at": stamp,
                "sources": ["feed"],
            }
            for p in mine
        ]
        fetches = [
            {
                "run_id": run_id,
                "outlet": outlet,
                "url": p.url,
                "status": 200,
                "error": None,
                "bytes": len(p.text),
                "duration_ms": 12.5,
                "fetched_at": stamp,
            }
            for p in mine
        ]
        for i in range((failed_fetches or {}).get(outlet, 0)):
            fetches.append(
                {
                    "run_id": run_id,
                    "outlet": outlet,
                    "url": f"https://{outlet}.ma/x{i}",
                    "status": None,
                    "error": "TimeoutError",
                    "bytes": 0,
                    "duration_ms": 30000.0,
                    "fetched_at": stamp,
                }
            )
        for kind, rows in ((RAW, raw), (FETCHES, fetches)):
            with gzip.open(folder.outlet_file(kind, outlet), "wt", encoding="utf-8") as f:
                f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    rows = []
    for page in pages:
        row = page.model_dump(mode="python")
        row["verdict"] = str(page.verdict)
        is_article = page.verdict is Verdict.ARTICLE
        row.update(
            run_id=run_id,
            fetched_at=fetched_at,
            http_status=200,
            content_hash=content_hash(page.text),
            minhash=minhash_signature(page.text) if is_article else [],
        )
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), folder.articles)
    return run_dir


def words(seed: int, n: int = 120) -> str:
    """A distinct French-looking text (seeded) long enough for shingles."""
    import random

    rng = random.Random(seed)
    vocab = "maroc rabat réforme santé gouvernement élection marché eau port énergie".split()
    return " ".join(f"{rng.choice(vocab)}{rng.randrange(1000)}" for _ in range(n))


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.table(t).aggregate("count(*)").fetchone()[0] for t in TABLES}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row (minus load-time columns), to compare two loads exactly."""
    return {t: sorted(map(repr, con.table(t).fetchall())) for t in TABLES}


def first_run(tmp_path: Path) -> Path:
    """Run ``r1``: two outlets, three articles, a listing, an error page, two failed fetches."""
    return write_run(
        tmp_path / "runs",
        "r1",
        [
            art("lebrief", "budget-2026", words(1)),
            art("lebrief", "port-tanger", words(2)),
            non_article("lebrief", "rubrique-politique", Verdict.LISTING),
            art("hespress", "eau-potable", words(3)),
            non_article("hespress", "broken", Verdict.ERROR),
        ],
        failed_fetches={"hespress": 2},
    )


REPORT_FEED = "https://x.ma/feed/"


def report_row(new=10, pages=12, failures=0, non_articles=1, words=400.0, feed=20, status="ok"):
    """A night's report row of outlet ``x`` (``pipeline.report.outlet_rows``' shape)."""
    return {"outlet": "x", "status": status, "new": new, "pages": pages,
            "extraction_failures": failures, "non_articles": non_articles,
            "median_words": words, "sources": {REPORT_FEED: feed}}


# -- report and parameters -------------------------------------------------------------------
