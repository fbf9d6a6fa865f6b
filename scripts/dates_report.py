"""Publication dates on WCXB's dev articles, page by page: the truth, ours, bare trafilatura's,
and which source gave ours; for sorting the wrong ones into classes by cause (issue 13).

Runs only the metadata step (``page_metadata.read_metadata``, then
``page_metadata.settle_published`` as on an article), not the body extraction: about a minute and a
half of CPU for the 793 pages, twice that the first time. Bare trafilatura's date
(``bare_extraction``, its htmldate with extensive search) is the slow part, so ``--bare`` keeps it
in a JSON file between runs.

    python scripts/dates_report.py [--datasets PATH] [--bare CACHE.json] [--wrong] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import repair_faulty_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpora import DEFAULT_DATASETS, CorpusPage, load_wcxb  # noqa: E402
from bench.metadata_match import date_matches, day_of  # noqa: E402
from transforms import dates as dates_  # noqa: E402
from transforms import metadata as meta_  # noqa: E402
from transforms import page_metadata  # noqa: E402
from transforms.boilerplate import parse_page  # noqa: E402
from transforms.decode import decode_html  # noqa: E402
from transforms.record import ExtractionHints  # noqa: E402


def _declared_source(root: HtmlElement, meta: dict[str, str], ld: dict[str, Any],
                     tz: str) -> str:
    """Which structured field gave ``metadata.dates``'s published date."""
    for name, value in (("ld:datePublished", str(ld.get("datePublished") or "")),
                        ("meta:article:published_time", meta.get("article:published_time")),
                        ("meta:og:published_time", meta.get("og:published_time")),
                        ("meta:datepublished", meta.get("datepublished")),
                        ("meta:date", meta.get("date"))):
        if meta_.parse_datetime(value, tz):
            return name
    return "time/itemprop"


def page_row(page: CorpusPage, bare: dict[str, str | None]) -> dict[str, object]:
    """One page's dates and where ours came from."""
    hints = ExtractionHints()
    text, _ = decode_html(page.body, None)
    text = repair_faulty_html(text, text[:50].lower())
    root = parse_page(text)
    assert root is not None, page.id
    meta = meta_.metas(root)
    ld = meta_.ld_article(meta_.json_ld(root))
    fields = page_metadata.read_metadata(root, page.url, hints, "wcxb")
    declared, evidence = fields["published_at"], fields["_dates"]
    shown = evidence.shown
    ours, rule = page_metadata.settle_published_rule(declared, evidence, text, page.url,
                                                     hints.timezone)
    source = _declared_source(root, meta, ld, hints.timezone) if declared is not None else ""
    if bare.get(page.id, "?") == "?":
        document = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)
        bare[page.id] = document.date if document is not None else None
    truth = day_of(page.date)
    return {
        "id": page.id, "url": page.url, "truth": str(truth) if truth else None,
        "ours": str(day_of(ours)) if ours else None,
        "bare": str(day_of(bare[page.id])) if bare[page.id] else None,
        "rule": rule, "declared": declared.isoformat() if declared else None,
        "declared_source": source,
        "modified": fields["modified_at"].isoformat() if fields["modified_at"] else None,
        "url_day": str(dates_.url_day(page.url) or "") or None,
        "shown": [(str(s.days[0]), s.label, s.offset) for s in shown],
        "ok": date_matches(ours, page.date),
        "bare_ok": date_matches(bare[page.id], page.date),
    }


def main(argv: list[str] | None = None) -> int:
    """Print one line per page (or per wrong page) and the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--bare", type=Path, help="JSON cache of bare trafilatura's dates")
    parser.add_argument("--wrong", action="store_true", help="print only pages ours gets wrong")
    parser.add_argument("--json", type=Path, help="write every row to this file")
    args = parser.parse_args(argv)
    folder = args.datasets / "wcxb-dev"
    if not folder.is_dir():
        print(f"dates_report: no WCXB dev split at {folder}", file=sys.stderr)
        return 2
    bare: dict[str, str | None] = {}
    if args.bare and args.bare.exists():
        bare = json.loads(args.bare.read_text(encoding="utf-8"))
    rows = [page_row(page, bare) for page in load_wcxb(folder, types={"article"})]
    if args.bare:
        args.bare.write_text(json.dumps(bare), encoding="utf-8")
    dated = [r for r in rows if r["truth"]]
    for row in dated:
        if args.wrong and row["ok"]:
            continue
        print(f"{'ok ' if row['ok'] else 'BAD'} {row['id']} truth={row['truth']} "
              f"ours={row['ours']} bare={row['bare']} rule={row['rule']} "
              f"src={row['declared_source']} decl={row['declared']} mod={row['modified']} "
              f"url={row['url_day']} shown={row['shown'][:4]} {row['url']}")
    ours_ok = sum(bool(r["ok"]) for r in dated)
    bare_ok = sum(bool(r["bare_ok"]) for r in dated)
    print(f"pages {len(rows)}, with a date {len(dated)}: ours {ours_ok} "
          f"({ours_ok / len(dated):.3f}), bare {bare_ok} ({bare_ok / len(dated):.3f})")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
