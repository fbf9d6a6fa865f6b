"""Write the per-outlet golden files under ``tests/golden/`` (Fundus style).

    python scripts/generate_golden.py               # pages + meta.json + expected.json
    python scripts/generate_golden.py --only-json   # rewrite expected.json from stored pages
    python scripts/generate_golden.py -oj --outlet lebrief

Pages come from the bundled snapshot WARC (the sample outlets, under their real URLs) and from
hand-written pages of other themes in ``tests/fixtures/extract/golden_src/`` (encoded here as the
site would send them, e.g. windows-1256). The expected records are what our extractor gives
*after review*: read the diff of every ``expected.json`` by hand, and fix the extractor, not the
file, when they differ from what a perfect extractor would give.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.golden import (  # noqa: E402
    GOLDEN_DIR,
    SNAPSHOT_SOURCE,
    load_golden,
    read_json,
    write_json,
)
from transforms.extract import extract_article  # noqa: E402
from transforms.golden import golden_record  # noqa: E402

WARC = ROOT / "snapshot" / "outlets.warc.gz"
HAND_DIR = ROOT / "tests" / "fixtures" / "extract" / "golden_src"

# 2-3 article pages per snapshot outlet: the seeds (tweets, aggregator notes, tagDiv furniture)
# and one ordinary page each.
SNAPSHOT_PAGES = {
    "lebrief": [
        "https://lebrief.ma/maroc-usa-bourita-sentretient-avec-bonnie-jenkins-a-rabat-172418/",
        "https://lebrief.ma/washington-entretiens-entre-bourita-et-des-responsables-de-la-maison"
        "-blanche-139572/",
        "https://lebrief.ma/tourisme-pres-de-18-millions-darrivees-a-fin-octobre-245352/",
    ],
    "maghress_fr": [
        "https://www.maghress.com/fr/lopinion/111027",
        "https://www.maghress.com/fr/barlamanefr/348413",
        "https://www.maghress.com/fr/lebrief/67421",
    ],
    "lepetitjournalmarocain": [
        "https://lepetitjournalmarocain.com/2022/05/11/nasser-bourita-antony-blinken/",
        "https://lepetitjournalmarocain.com/2026/11/20/tanger-med-conteneurs-record/",
        "https://lepetitjournalmarocain.com/2026/11/17/botola-pro-le-fus-rabat-prend-la-tete/",
    ],
}

# Pages of other themes, written after the DOM notes in ../shared/research/ (Jannah, JNews,
# Arc XP, hespress's Bootstrap theme, an old windows-1256 Arabic CMS, an English WordPress site,
# tagDiv Newspaper, a French WordPress theme, Wmaker).
HAND_PAGES = [
    {"outlet": "hibapress_fr", "file": "hibapress_fr.html", "crawl_date": "2026-11-20",
     "url": "https://fr.hibapress.com/dakhla-le-port-atlantique-atteint-45-davancement-96412.html",
     "encoding": "utf-8", "content_type": "text/html; charset=UTF-8", "source": "jannah"},
    {"outlet": "leseco", "file": "leseco.html", "crawl_date": "2026-11-18",
     "url": "https://leseco.ma/business/assurances-le-chiffre-daffaires-du-secteur-progresse"
            "-de-68.html",
     "encoding": "utf-8", "content_type": "text/html; charset=UTF-8", "source": "jnews"},
    {"outlet": "le360_fr", "file": "le360_fr.html", "crawl_date": "2026-11-21",
     "url": "https://fr.le360.ma/economie/tourisme-marrakech-accueille-le-congres-mondial-des"
            "-agences-de-voyage_QK4ZC5VT2JBMHGNRL7XW3YD6FA/",
     "encoding": "utf-8", "content_type": "text/html; charset=utf-8", "source": "arc-xp"},
    {"outlet": "hespress_fr", "file": "hespress_fr.html", "crawl_date": "2026-11-20",
     "url": "https://fr.hespress.com/412876-secheresse-le-barrage-al-massira-a-moins-de-5-de-sa"
            "-capacite.html",
     "encoding": "utf-8", "content_type": "text/html; charset=UTF-8", "source": "hespress"},
    # Declared in a <meta http-equiv> only; the HTTP header names no charset, as old CMSs do.
    {"outlet": "assabah", "file": "assabah.html", "crawl_date": "2026-11-19",
     "url": "https://assabah.ma/612345.html",
     "encoding": "windows-1256", "content_type": "text/html", "source": "legacy-cms"},
    {"outlet": "moroccoworldnews", "file": "moroccoworldnews.html", "crawl_date": "2026-11-17",
     "url": "https://www.moroccoworldnews.com/2026/11/34512/morocco-raises-minimum-wage-by-5-in"
            "-industry-and-services/",
     "encoding": "utf-8", "content_type": "text/html; charset=UTF-8", "source": "wordpress-en"},
    # tagDiv Newspaper 7.6 with Yoast 6.3 (h24info's saved page: no Article JSON-LD then).
    {"outlet": "h24info", "file": "h24info.html", "crawl_date": "2026-11-21",
     "url": "https://h24info.ma/maroc/casablanca-le-tramway-t3-transporte-40-000-voyageurs-par"
            "-jour/",
     "encoding": "utf-8", "content_type": "text/html; charset=UTF-8", "source": "tagdiv"},
    # A WordPress install in /fr/ on an underscores-style theme (.posts-list > article,
    # .entry-header > .entry-title, .entry-content > p, .breadcrumbs).
    {"outlet": "barlamane_fr", "file": "barlamane_fr.html", "crawl_date": "2026-11-20",
     "url": "https://www.barlamane.com/fr/agriculture-la-campagne-cerealiere-demarre-sous-de"
            "-meilleurs-auspices/",
     "encoding": "utf-8", "content_type": "text/html; charset=UTF-8", "source": "wordpress-fr"},
    # Wmaker CMS (_a<id>.html articles, _r<id>.html sections); its markup is written from memory,
    # unverified (../shared/research/dom_skeletons.md, F).
    {"outlet": "lopinion", "file": "lopinion.html", "crawl_date": "2026-11-19",
     "url": "https://www.lopinion.ma/Sante-34-nouveaux-centres-de-proximite-ouverts-dans-le"
            "-Souss_a58213.html",
     "encoding": "utf-8", "content_type": "text/html; charset=utf-8", "source": "wmaker"},
]


def _warc_responses() -> dict[str, tuple[str, dict[str, str], bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    found = {}
    with WARC.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response" and record.http_headers is not None:
                uri = record.rec_headers.get_header("WARC-Target-URI")
                date = record.rec_headers.get_header("WARC-Date")[:10]
                headers = {k.lower(): v for k, v in record.http_headers.headers
                           if k.lower() in {"content-type", "content-language"}}
                found[uri] = (date, headers, record.content_stream().read())
    return found


def _collect() -> dict[str, list[tuple[dict, bytes]]]:
    """Per outlet: (meta entry, body) in a fixed order."""
    pages: dict[str, list[tuple[dict, bytes]]] = {}
    responses = _warc_responses()
    for outlet, urls in SNAPSHOT_PAGES.items():
        for url in urls:
            date, headers, body = responses[url]
            meta = {"url": url, "crawl_date": date, "headers": headers, "source": SNAPSHOT_SOURCE}
            pages.setdefault(outlet, []).append((meta, body))
    for page in HAND_PAGES:
        text = (HAND_DIR / page["file"]).read_text(encoding="utf-8")
        meta = {"url": page["url"], "crawl_date": page["crawl_date"],
                "headers": {"content-type": page["content_type"]}, "source": page["source"]}
        pages.setdefault(page["outlet"], []).append((meta, text.encode(page["encoding"])))
    return pages


def write_pages(outlets: set[str] | None) -> None:
    """(Re)write every page and meta.json from the WARC and the hand-written sources."""
    for outlet, items in _collect().items():
        if outlets and outlet not in outlets:
            continue
        folder = GOLDEN_DIR / outlet
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.html.gz"):
            old.unlink()
        meta, numbers = {}, {}
        for info, body in items:
            date = info["crawl_date"].replace("-", "_")
            numbers[date] = numbers.get(date, 0) + 1
            name = f"{outlet}_{date}_{numbers[date]}"
            # mtime=0: the same page gives the same bytes, so an unchanged page shows no diff.
            (folder / f"{name}.html.gz").write_bytes(gzip.compress(body, 9, mtime=0))
            meta[name] = info
        write_json(folder / "meta.json", meta)


def write_expected(outlets: set[str] | None) -> None:
    """Rewrite each outlet's expected.json from its stored pages, with registry hints."""
    from registry import load_outlets

    hints = {o.id: o.extraction_hints for o in load_outlets().values()}
    by_outlet: dict[str, dict] = {}
    for page in load_golden():
        if outlets and page.outlet not in outlets:
            continue
        article = extract_article(page.body, page.url, outlet=page.outlet,
                                  headers=page.headers, hints=hints.get(page.outlet))
        by_outlet.setdefault(page.outlet, {})[page.name] = golden_record(article)
    for outlet, expected in by_outlet.items():
        path = GOLDEN_DIR / outlet / "expected.json"
        old = read_json(path) if path.exists() else {}
        write_json(path, expected)
        changed = sorted(k for k in expected if old.get(k) != expected[k])
        print(f"{outlet}: {len(expected)} pages, changed: {', '.join(changed) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-oj", "--only-json", action="store_true",
                        help="keep the stored pages, rewrite expected.json only")
    parser.add_argument("--outlet", action="append", help="only this outlet (repeatable)")
    args = parser.parse_args(argv)
    outlets = set(args.outlet) if args.outlet else None
    if not args.only_json:
        write_pages(outlets)
    write_expected(outlets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
