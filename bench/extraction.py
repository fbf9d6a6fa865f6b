"""Extraction benchmark: our extractor vs bare ``trafilatura.extract`` on the snapshot's articles.

Per outlet and overall it prints token F1 of the body text against expected paragraphs, how many
pages still contain any expected-absent boilerplate string, and pages/second for each extractor,
all measured in the same run on the same pages.

    python -m bench.extraction [--rounds 5] [--warc snapshot/outlets.warc.gz]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura
from rich.console import Console
from rich.table import Table

from transforms.extract import extract_article
from transforms.record import ExtractionHints

ROOT = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r"\w+", re.UNICODE)

Page = tuple[dict[str, Any], int, dict[str, str], bytes]


def load_pages(warc: Path) -> list[Page]:
    """Expected articles joined with their WARC response (status, headers, body)."""
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
    return [(e, *responses[e["url"]]) for e in load_expected() if e["url"] in responses]


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


def _leaks(text: str, boilerplate: list[str]) -> bool:
    text = _norm(text)
    return any(_norm(b) and _norm(b) in text for b in boilerplate)


def _ours(hints: dict[str, ExtractionHints], use_hints: bool) -> Callable[[Page], str]:
    def run(page: Page) -> str:
        expected, status, headers, body = page
        outlet = expected["outlet"]
        return extract_article(
            body, expected["url"], outlet=outlet, headers=headers, status=status,
            hints=hints.get(outlet) if use_hints else None,
        ).text

    return run


def _bare(page: Page) -> str:
    expected, _status, _headers, body = page
    return trafilatura.extract(body, url=expected["url"]) or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warc", type=Path, default=ROOT / "snapshot" / "outlets.warc.gz")
    parser.add_argument("--rounds", type=int, default=5, help="timing repetitions")
    args = parser.parse_args(argv)

    from registry import load_outlets

    hints = {o.id: o.extraction_hints for o in load_outlets().values()}
    pages = load_pages(args.warc)
    systems: dict[str, Callable[[Page], str]] = {
        "ours": _ours(hints, use_hints=True),
        "ours, no hints": _ours(hints, use_hints=False),
        "bare trafilatura": _bare,
    }
    by_outlet: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_outlet[page[0]["outlet"]].append(page)

    scores: dict[tuple[str, str], tuple[float, int]] = {}
    speed: dict[tuple[str, str], float] = {}
    for name, system in systems.items():
        for outlet, group in [*by_outlet.items(), ("ALL", pages)]:
            texts = [system(p) for p in group]
            pairs = list(zip(texts, group, strict=True))
            f1 = sum(token_f1(t, "\n".join(p[0]["paragraphs"])) for t, p in pairs)
            f1 /= max(1, len(group))
            leaks = sum(_leaks(t, p[0].get("boilerplate", [])) for t, p in pairs)
            scores[name, outlet] = (f1, leaks)
            started = time.perf_counter()
            for _ in range(args.rounds):
                for page in group:
                    system(page)
            speed[name, outlet] = args.rounds * len(group) / (time.perf_counter() - started)

    title = f"Extraction on {len(pages)} snapshot articles ({args.rounds} timing rounds)"
    table = Table(title=title)
    table.add_column("outlet")
    table.add_column("pages", justify="right")
    for name in systems:
        table.add_column(f"F1 {name}", justify="right")
    for name in systems:
        table.add_column(f"boilerplate left {name}", justify="right")
    for name in systems:
        table.add_column(f"pages/s {name}", justify="right")
    for outlet, group in [*by_outlet.items(), ("ALL", pages)]:
        table.add_row(
            outlet,
            str(len(group)),
            *(f"{scores[n, outlet][0]:.3f}" for n in systems),
            *(f"{scores[n, outlet][1]}/{len(group)}" for n in systems),
            *(f"{speed[n, outlet]:.0f}" for n in systems),
            end_section=outlet == list(by_outlet)[-1],
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
