"""Extraction benchmark: our extractor vs bare ``trafilatura.extract`` on two page sets.

* **snapshot**: every article page of the bundled snapshot (3 outlets modelled on the seeds), with
  ``snapshot/expected.json``'s paragraphs and boilerplate strings;
* **general**: the golden pages of other themes (``tests/golden/``, source other than snapshot:
  Jannah, JNews, Arc XP, hespress, a windows-1256 Arabic CMS, an English WordPress site), scored
  against their reviewed ``expected.json`` paragraphs. Their boilerplate strings are the page's
  own text blocks (``transforms.boilerplate.page_blocks``) of 3+ words that are not article
  text: menus, tickers, captions, related titles, widgets.

For each set and system it prints token F1 of the body text against the expected paragraphs, how
many pages keep any boilerplate string, and pages per second on one core (single process), all
measured in the same run on the same pages, with ours/bare speed ratio.

    python -m bench.extraction [--rounds 5] [--warc snapshot/outlets.warc.gz]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from rich.console import Console
from rich.table import Table

from transforms.extract import extract_article
from transforms.record import ExtractionHints

ROOT = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Page:
    """One benchmark page and what a perfect extractor gives."""

    outlet: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    paragraphs: tuple[str, ...]
    boilerplate: tuple[str, ...]


def load_pages(warc: Path) -> list[Page]:
    """The snapshot set: expected articles joined with their WARC response."""
    from warcio.archiveiterator import ArchiveIterator

    from snapshot import load_expected

    responses: dict[str, tuple[int, dict[str, str], bytes]] = {}
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response" and record.http_headers is not None:
                uri = record.rec_headers.get_header("WARC-Target-URI")
                headers = {k.lower(): v for k, v in record.http_headers.headers}
                status = int(record.http_headers.get_statuscode() or 200)
                responses[uri] = (status, headers, record.content_stream().read())
    return [
        Page(e["outlet"], e["url"], *responses[e["url"]], tuple(e["paragraphs"]),
             tuple(e.get("boilerplate", [])))
        for e in load_expected() if e["url"] in responses
    ]


def load_general_pages() -> list[Page]:
    """The general set: golden pages of themes outside the snapshot."""
    from transforms.boilerplate import page_blocks
    from transforms.golden import load_golden

    pages = []
    for golden in load_golden():
        if not golden.general:
            continue
        paragraphs = tuple(golden.expected.get("paragraphs", []))
        article = _norm(" ".join(paragraphs))
        furniture = tuple(
            block for block in dict.fromkeys(page_blocks(golden.body, golden.headers))
            if len(block.split()) >= 3 and _norm(block) not in article
        )
        pages.append(Page(golden.outlet, golden.url, 200, golden.headers, golden.body,
                          paragraphs, furniture))
    return pages


def token_f1(predicted: str, expected: str) -> float:
    """Bag-of-words F1 (case-folded word tokens), the measure trafilatura's own eval uses."""
    got = Counter(_TOKEN.findall(predicted.casefold()))
    want = Counter(_TOKEN.findall(expected.casefold()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _leaks(text: str, boilerplate: tuple[str, ...]) -> bool:
    text = _norm(text)
    return any(_norm(b) and _norm(b) in text for b in boilerplate)


def _ours(hints: dict[str, ExtractionHints], use_hints: bool) -> Callable[[Page], str]:
    def run(page: Page) -> str:
        return extract_article(
            page.body, page.url, outlet=page.outlet, headers=page.headers, status=page.status,
            hints=hints.get(page.outlet) if use_hints else None,
        ).text

    return run


def _bare(page: Page) -> str:
    return trafilatura.extract(page.body, url=page.url) or ""


@dataclass(frozen=True)
class Score:
    """One system on one group of pages."""

    f1: float
    leaks: int
    pages_per_s: float


def score(system: Callable[[Page], str], pages: list[Page], rounds: int) -> Score:
    """Mean token F1, pages with boilerplate left, and single-core pages/second."""
    texts = [system(p) for p in pages]  # also warms up caches before timing
    f1 = sum(token_f1(t, "\n".join(p.paragraphs)) for t, p in zip(texts, pages, strict=True))
    leaks = sum(_leaks(t, p.boilerplate) for t, p in zip(texts, pages, strict=True))
    started = time.perf_counter()
    for _ in range(rounds):
        for page in pages:
            system(page)
    speed = rounds * len(pages) / (time.perf_counter() - started)
    return Score(f1 / max(1, len(pages)), leaks, speed)


def main(argv: list[str] | None = None) -> int:
    """Command line: print one table, a row per page set and outlet."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warc", type=Path, default=ROOT / "snapshot" / "outlets.warc.gz")
    parser.add_argument("--rounds", type=int, default=5, help="timing repetitions")
    args = parser.parse_args(argv)

    from registry import load_outlets

    hints = {o.id: o.extraction_hints for o in load_outlets().values()}
    systems: dict[str, Callable[[Page], str]] = {
        "ours": _ours(hints, use_hints=True),
        "ours, no hints": _ours(hints, use_hints=False),
        "bare": _bare,
    }
    groups: list[tuple[str, str, list[Page]]] = []
    for set_name, pages in (("snapshot", load_pages(args.warc)),
                            ("general", load_general_pages())):
        for outlet in dict.fromkeys(p.outlet for p in pages):
            groups.append((set_name, outlet, [p for p in pages if p.outlet == outlet]))
        groups.append((set_name, "ALL", pages))

    table = Table(title=f"Extraction, ours vs bare trafilatura {trafilatura.__version__} "
                        f"({args.rounds} timing rounds, one core)")
    for column in ("set", "outlet", "pages"):
        table.add_column(column)
    for what in ("F1", "boilerplate left", "pages/s"):
        for name in systems:
            table.add_column(f"{what} {name}", justify="right")
    table.add_column("speed ours/bare", justify="right")
    for set_name, outlet, pages in groups:
        scores = {name: score(system, pages, args.rounds) for name, system in systems.items()}
        table.add_row(
            set_name, outlet, str(len(pages)),
            *(f"{s.f1:.3f}" for s in scores.values()),
            *(f"{s.leaks}/{len(pages)}" for s in scores.values()),
            *(f"{s.pages_per_s:.0f}" for s in scores.values()),
            f"{scores['ours'].pages_per_s / scores['bare'].pages_per_s:.2f}",
            end_section=outlet == "ALL",
        )
    Console(width=220).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
