"""Extraction on real pages: ScrapingHub's 181 news articles and WCXB's 1,497-page dev split.

The pages were written by real publishers, not modelled by us, and each set comes with its own
ground truth and metric. This module scores, in one run and on the same bytes:

* **ours**: ``transforms.extract.extract_article`` (no registry hints: these outlets are not in
  the registry), what a night would store;
* **bare**: ``trafilatura.extract(body, url=url)``, trafilatura's defaults (the speed baseline);
* **bare-options**: the options ``extract.py`` gives trafilatura (comments off, tables on,
  no dedup), on the untouched page;
* **bare-precision**: the defaults plus ``favor_precision=True``;
* **bare-metadata**: ``trafilatura.bare_extraction(..., with_metadata=True)``, for the title,
  author and date it finds (its body is not scored).

Per corpus and per WCXB page type: body F1 / precision / recall with the benchmark's own metric
(below), articles lost (an article page the night would not store: verdict other than
``article``), non-article pages stored as articles, title / author / date exact, pages where
bare gets F1 ≥ 0.8 and ours < 0.5, and time per page of ours against bare (each page runs ours
and bare back to back, alternating which goes first, so the machine's load hits both alike).

Metrics (``../shared/datasets/README.md``): both are bags of lower-cased tokens, precision and
recall per page on token counts, F1 per page, corpus figure = the mean over pages; an empty
output scores 0. WCXB tokens are ``\\w+`` runs; ScrapingHub's are whitespace-split words. For
ScrapingHub the upstream ``evaluate.py`` figure is given too: 4-token shingles of ``\\w+``
tokens, case kept, F1 of the mean precision and the mean recall.

ScrapingHub's truth keeps the text of embedded tweets in some bodies; a news monitor keeps them
out of the body (``Article.embeds`` when the record has it). Its rows are scored both ways:
"body" and "body + embeds" (the ``text`` of each embedded post appended), the same when the
record has no ``embeds``.

Data: ``../shared/datasets/`` beside the repository, ``$KHABAR_DATASETS`` or ``--datasets
PATH``; a missing folder gives a section that says how to fetch it (``FETCH``).

    python -m bench.corpora [--datasets PATH] [--quick] [--sample N] [--markdown PATH]
        [--pages-json PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import trafilatura
from rich.console import Console

from bench.metadata_match import (
    MetadataScore,
    author_matches,
    date_matches,
    title_matches,
)
from bench.report import Section, Table, Target, Unit
from khabar.paths import PROJECT_ROOT as ROOT
from transforms.extract import extract_article
from transforms.record import Article, Verdict

DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
# The upstream commits the copies in ../shared/datasets were taken at (their SOURCE_COMMIT).
SCRAPINGHUB_REPO = "https://github.com/scrapinghub/article-extraction-benchmark"
SCRAPINGHUB_COMMIT = "4a3bc979f76c0df73cb95fe272e2fc1b96f9f010"
WCXB_REPO = "https://github.com/Murrough-Foley/web-content-extraction-benchmark"
WCXB_COMMIT = "c039d5ee9f5a3a984a0e167e63aacd04e76e78a9"
FETCH = f"""\
D=path/to/datasets; T=$(mktemp -d)
git clone -q {SCRAPINGHUB_REPO} $T/sh && git -C $T/sh checkout -q {SCRAPINGHUB_COMMIT}
mkdir -p $D/scrapinghub && cp -r $T/sh/html $T/sh/ground-truth.json $T/sh/LICENSE $D/scrapinghub/
git clone -q {WCXB_REPO} $T/wcxb && git -C $T/wcxb checkout -q {WCXB_COMMIT}
mkdir -p $D/wcxb-dev && cp -r $T/wcxb/dev $T/wcxb/LICENSE $D/wcxb-dev/
python -m bench.corpora --datasets $D"""

# Goals of issue 13.
SCRAPINGHUB_F1_GOAL = 0.970
WCXB_ARTICLE_F1_GOAL = 0.932
WCXB_ARTICLE_MARGIN = 0.01  # over bare trafilatura's F1
WCXB_LOST_GOAL = 0.005
WCXB_STORED_LISTINGS_GOAL = 0.05
SPEED_GOAL = 1.15
NON_ARTICLE_TYPES = ("listing", "collection")
BARE_GOOD, OURS_BAD = 0.8, 0.5
TITLE = "Extraction on real corpora"
_PAGES, _SHARE = Unit(".0f", " pages"), Unit(".1%")  # how a missed target's gap is written


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusPage:
    """One page of a corpus and its ground truth."""

    corpus: str  # "scrapinghub" or "wcxb"
    id: str
    url: str
    body: bytes
    page_type: str  # WCXB's primary type; every ScrapingHub page is an article
    truth: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD


def datasets_folder(given: Path | None = None) -> Path | None:
    """The datasets folder: ``given``, else ``$KHABAR_DATASETS``, else ``../shared/datasets``;
    None when it holds neither corpus."""
    env = os.environ.get("KHABAR_DATASETS")
    folder = given or (Path(env) if env else DEFAULT_DATASETS)
    if (folder / "scrapinghub").is_dir() or (folder / "wcxb-dev").is_dir():
        return folder
    return None


def load_scrapinghub(folder: Path) -> list[CorpusPage]:
    """ScrapingHub's articles: ``ground-truth.json`` (``{id: {url, articleBody}}``) + ``html/``."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        CorpusPage("scrapinghub", key, item["url"],
                   gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
                   "article", item.get("articleBody") or "")
        for key, item in sorted(truth.items())
    ]


def load_wcxb(folder: Path, sample: int | None = None,
              types: Iterable[str] | None = None) -> list[CorpusPage]:
    """WCXB's dev split (``dev/html/<id>.html.gz``, ``dev/ground-truth/<id>.json``).

    Args:
        folder: the ``wcxb-dev`` folder.
        sample: keep about this many pages, every k-th id within each page type (the types keep
            their shares; deterministic).
        types: keep only these page types.
    """
    pages = []
    for path in sorted((folder / "dev" / "ground-truth").glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        kind = item["_internal"]["page_type"]["primary"]
        if types is not None and kind not in types:
            continue
        truth = item["ground_truth"]
        pages.append(CorpusPage(
            # One page of the split has no URL: a placeholder, the same for every system.
            "wcxb", path.stem, item.get("url") or f"https://example.invalid/{path.stem}",
            gzip.decompress((folder / "dev" / "html" / f"{path.stem}.html.gz").read_bytes()),
            kind, truth.get("main_content") or "", truth.get("title") or None,
            truth.get("author") or None, truth.get("publish_date") or None))
    if sample and sample < len(pages):
        step = len(pages) / sample
        pages = [pages[int(i * step)] for i in range(sample)]
    return pages


# --- metrics -------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def tokens(corpus: str, text: str) -> list[str]:
    """The corpus's own tokens: WCXB ``\\w+`` runs, ScrapingHub whitespace words; lower case."""
    text = text.lower()
    return text.split() if corpus == "scrapinghub" else _WORD.findall(text)


def prf(predicted: Sequence[str], truth: Sequence[str]) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall, F1; an empty output (or no overlap) scores 0."""
    overlap = sum((Counter(predicted) & Counter(truth)).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / len(predicted), overlap / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def shingle_pr(predicted: str, truth: str, n: int = 4) -> tuple[float, float]:
    """ScrapingHub's ``evaluate.py``: precision and recall on ``n``-token shingles (case kept).

    Its conventions: both empty → 1; nothing predicted or nothing expected → 0.
    """
    def shingles(text: str) -> Counter[tuple[str, ...]]:
        words = _WORD.findall(text or "")
        return Counter(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))
                       if words[i:i + n])

    got, want = shingles(predicted), shingles(truth)
    tp = sum((got & want).values())
    fp, fn = sum(got.values()) - tp, sum(want.values()) - tp
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def embeds_text(article: Any) -> str:
    """The text of the record's embedded posts (``embeds``: objects or dicts with ``text``);
    "" when the record has no such field."""
    parts = []
    for embed in getattr(article, "embeds", None) or []:
        text = embed.get("text") if isinstance(embed, dict) else getattr(embed, "text", None)
        if text:
            parts.append(str(text))
    return "\n".join(parts)


# --- systems -------------------------------------------------------------------------------


@dataclass
class Output:
    """What one system gave for one page."""

    text: str
    stored: bool = True  # the night stores it as an article
    verdict: str = "article"
    reason: str | None = None
    title: str | None = None
    authors: Sequence[str] | str | None = None
    date: datetime | str | None = None
    embeds: str = ""


def run_ours(page: CorpusPage) -> Output:
    article: Article = extract_article(page.body, page.url, outlet=page.corpus)
    return Output(article.text, article.verdict is Verdict.ARTICLE, article.verdict.value,
                  article.reason, article.title, article.authors, article.published_at,
                  embeds_text(article))


def run_bare(page: CorpusPage) -> Output:
    return Output(trafilatura.extract(page.body, url=page.url) or "")


def run_bare_options(page: CorpusPage) -> Output:
    return Output(trafilatura.extract(page.body, url=page.url, include_comments=False,
                                      include_tables=True, deduplicate=False) or "")


def run_bare_precision(page: CorpusPage) -> Output:
    return Output(trafilatura.extract(page.body, url=page.url, favor_precision=True) or "")


def run_bare_metadata(page: CorpusPage) -> Output:
    document = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)
    if document is None:
        return Output("")
    return Output(document.text or "", title=document.title, authors=document.author,
                  date=document.date)


SYSTEMS: dict[str, Callable[[CorpusPage], Output]] = {
    "ours": run_ours,
    "bare": run_bare,
    "bare-options": run_bare_options,
    "bare-precision": run_bare_precision,
    "bare-metadata": run_bare_metadata,
}
TIMED = ("ours", "bare")  # run back to back per page, alternating order


@dataclass
class PageResult:
    """Every system's output and score on one page."""

    page: CorpusPage
    outputs: dict[str, Output] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    scores: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    with_embeds: tuple[float, float, float] = (0.0, 0.0, 0.0)
    shingles: dict[str, tuple[float, float]] = field(default_factory=dict)


def run_page(page: CorpusPage, index: int, systems: Sequence[str]) -> PageResult:
    """All systems on one page; the timed pair back to back in alternating order."""
    result = PageResult(page)
    timed = [s for s in TIMED if s in systems]
    order = timed if index % 2 == 0 else timed[::-1]
    for name in [*order, *(s for s in systems if s not in TIMED)]:
        # CPU time of this process: the machine is shared, and wall time would count the time
        # other processes held the cores.
        started = time.process_time()
        result.outputs[name] = SYSTEMS[name](page)
        result.seconds[name] = time.process_time() - started
    truth = tokens(page.corpus, page.truth)
    for name, output in result.outputs.items():
        result.scores[name] = prf(tokens(page.corpus, output.text), truth)
        if page.corpus == "scrapinghub":
            result.shingles[name] = shingle_pr(output.text, page.truth)
    ours = result.outputs.get("ours")
    if ours is not None:
        result.with_embeds = (prf(tokens(page.corpus, ours.text + "\n" + ours.embeds), truth)
                              if ours.embeds else result.scores["ours"])
    return result


def run_corpus(pages: Sequence[CorpusPage], systems: Sequence[str],
               console: Console | None = None) -> list[PageResult]:
    """Every page through every system, in one process (warm-up on the first page first)."""
    if pages:
        run_page(pages[0], 0, systems)  # lazy imports and first-call set-up of both libraries
    results = []
    for i, page in enumerate(pages):
        results.append(run_page(page, i, systems))
        if console is not None and (i + 1) % 100 == 0:
            console.print(f"  {page.corpus}: {i + 1}/{len(pages)} pages", highlight=False)
    return results


# --- summaries -----------------------------------------------------------------------------


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


@dataclass(frozen=True)
class Summary:
    """One group of pages (a corpus, or a WCXB page type) for one system."""

    pages: int
    f1: float
    precision: float
    recall: float
    stored: int
    title: float | None
    author: float | None
    date: float | None
    ms_per_page: float | None


def summarise(results: Sequence[PageResult], system: str) -> Summary:
    """Mean P / R / F1, pages stored, metadata exact rates (over pages whose truth has the field;
    None when the system gives no metadata), time per page."""
    scores = [r.scores[system] for r in results]
    outputs = [r.outputs[system] for r in results]
    has_meta = system in ("ours", "bare-metadata")

    def rate(check: Callable[[Output, CorpusPage], bool], wanted: str) -> float | None:
        pairs = [(o, r.page) for o, r in zip(outputs, results, strict=True)
                 if getattr(r.page, wanted)]
        if not has_meta or not pairs:
            return None
        return sum(check(o, p) for o, p in pairs) / len(pairs)

    timed = [r.seconds[system] for r in results if system in r.seconds]
    return Summary(
        len(results), _mean(s[2] for s in scores), _mean(s[0] for s in scores),
        _mean(s[1] for s in scores), sum(o.stored for o in outputs),
        rate(lambda o, p: title_matches(o.title, p.title), "title"),
        rate(lambda o, p: author_matches(o.authors, p.author), "author"),
        rate(lambda o, p: date_matches(o.date, p.date), "date"),
        1000 * _mean(timed) if timed and system in TIMED else None,
    )


def time_ratio(results: Sequence[PageResult]) -> float:
    """Ours' total time over bare's on the same pages."""
    ours = sum(r.seconds["ours"] for r in results)
    bare = sum(r.seconds["bare"] for r in results)
    return ours / bare if bare else 0.0


def collapses(results: Sequence[PageResult]) -> list[PageResult]:
    """Pages where bare gets F1 ≥ 0.8 and ours < 0.5 (article pages)."""
    return [r for r in results if r.page.page_type == "article"
            and r.scores["bare"][2] >= BARE_GOOD and r.scores["ours"][2] < OURS_BAD]


def shingle_f1(results: Sequence[PageResult], system: str) -> float:
    """ScrapingHub's published figure: F1 of mean shingle precision and mean recall."""
    precision = _mean(r.shingles[system][0] for r in results)
    recall = _mean(r.shingles[system][1] for r in results)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def groups(results: Sequence[PageResult]) -> list[tuple[str, list[PageResult]]]:
    """(name, pages): each corpus, and WCXB per page type (articles first)."""
    out: list[tuple[str, list[PageResult]]] = []
    shub = [r for r in results if r.page.corpus == "scrapinghub"]
    if shub:
        out.append(("ScrapingHub", shub))
    wcxb = [r for r in results if r.page.corpus == "wcxb"]
    kinds = sorted({r.page.page_type for r in wcxb}, key=lambda k: (k != "article", k))
    for kind in kinds:
        out.append((f"WCXB {kind}", [r for r in wcxb if r.page.page_type == kind]))
    if len(kinds) > 1:
        out.append(("WCXB all types", wcxb))
    return out


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def quality_table(results: Sequence[PageResult],
                  systems: Sequence[str]) -> tuple[str, list[str], list[list[str]]]:
    header = ["pages", "system", "F1", "P", "R", "stored as article", "title", "author",
              "date", "ms/page"]
    rows = []
    for name, group in groups(results):
        for system in systems:
            s = summarise(group, system)
            rows.append([f"{name} ({s.pages})", system, _fmt(s.f1), _fmt(s.precision),
                         _fmt(s.recall), f"{s.stored}/{s.pages}" if system == "ours" else "—",
                         _fmt(s.title), _fmt(s.author), _fmt(s.date),
                         _fmt(s.ms_per_page, 1)])
    return ("Body F1 / P / R (mean over pages), pages stored, title / author / date exact",
            header, rows)


METADATA_SYSTEMS = ("ours", "bare-metadata")


def metadata_scores(results: Sequence[PageResult], system: str) -> MetadataScore:
    """Title, author and date tallies of one system (``bench.metadata_match``'s rules)."""
    score = MetadataScore.empty()
    for r in results:
        o = r.outputs[system]
        score.add((o.title, o.authors, o.date), (r.page.title, r.page.author, r.page.date))
    return score


def metadata_table(results: Sequence[PageResult],
                   systems: Sequence[str]) -> tuple[str, list[str], list[list[str]]] | None:
    """Ours against bare trafilatura's metadata, per field, on WCXB's articles and all its pages
    (ScrapingHub has no metadata truth); None when either system did not run."""
    if not all(s in systems for s in METADATA_SYSTEMS):
        return None
    header = ["pages", "field", "pages with truth", "ours exact", "bare-metadata exact",
              "given where truth has none: ours / bare"]
    rows = []
    for name, group in groups(results):
        if not name.startswith("WCXB") or not name.endswith(("article", "all types")):
            continue
        ours, bare = (metadata_scores(group, s) for s in METADATA_SYSTEMS)
        for field_name in ("title", "author", "date"):
            mine, theirs = getattr(ours, field_name), getattr(bare, field_name)
            rows.append([f"{name} ({len(group)})", field_name, str(mine.with_truth),
                         f"{mine.score:.3f}", f"{theirs.score:.3f}",
                         f"{mine.spurious} / {theirs.spurious} of {mine.without_truth}"])
    return ("Metadata exact (bench/metadata_match.py: normalised title, name sets, same day)",
            header, rows)


def _flagged(result: PageResult) -> bool:
    """Stored with a flag (``flagged <gate>: …`` in its reason, ``extract.extract_article``)."""
    ours = result.outputs["ours"]
    return ours.stored and (ours.reason or "").startswith("flagged")


def article_table(results: Sequence[PageResult]) -> tuple[str, list[str], list[list[str]]]:
    header = ["pages", "lost (not stored)", "verdicts of lost pages", "ours F1 < 0.5 where "
              "bare ≥ 0.8", "stored with a flag", "floor used", "F1 body + embeds",
              "ScrapingHub shingle F1 ours / bare", "time ours/bare"]
    rows = []
    for name, group in groups(results):
        if not name.endswith(("ScrapingHub", "article", "all types")):
            continue
        articles = [r for r in group if r.page.page_type == "article"]
        lost = [r for r in articles if not r.outputs["ours"].stored]
        verdicts = Counter(r.outputs["ours"].verdict for r in lost)
        shingle = (f"{shingle_f1(group, 'ours'):.3f} / {shingle_f1(group, 'bare'):.3f}"
                   if group[0].page.corpus == "scrapinghub" else "—")
        reasons = [r.outputs["ours"].reason or "" for r in group if r.outputs["ours"].stored]
        rows.append([f"{name} ({len(group)})", f"{len(lost)}/{len(articles)}",
                     ", ".join(f"{v} {n}" for v, n in verdicts.most_common()) or "—",
                     str(len(collapses(group))),
                     str(sum(map(_flagged, group))),
                     str(sum("floor:" in reason for reason in reasons)),
                     _fmt(_mean(r.with_embeds[2] for r in group)),
                     shingle, f"{time_ratio(group):.2f}"])
    return "Articles lost, collapses against bare, embeds, speed", header, rows


def targets(results: Sequence[PageResult]) -> list[Target]:
    """The goals of issue 13 that these pages can check."""
    found = []
    shub = [r for r in results if r.page.corpus == "scrapinghub"]
    if shub:
        ours, bare = summarise(shub, "ours"), summarise(shub, "bare")
        lost = len(shub) - ours.stored
        found.append(Target(f"ScrapingHub F1 ≥ {SCRAPINGHUB_F1_GOAL} (ours {ours.f1:.3f}, bare "
                            f"{bare.f1:.3f})", ours.f1, SCRAPINGHUB_F1_GOAL, ">=", Unit(".3f")))
        found.append(Target(f"ScrapingHub 0 articles lost ({lost}/{len(shub)})", lost, 0, "<=",
                            _PAGES))
    articles = [r for r in results if r.page.corpus == "wcxb" and r.page.page_type == "article"]
    if articles:
        ours, bare = summarise(articles, "ours"), summarise(articles, "bare")
        goal = max(WCXB_ARTICLE_F1_GOAL, bare.f1 + WCXB_ARTICLE_MARGIN)
        found.append(Target(f"WCXB articles F1 ≥ bare + {WCXB_ARTICLE_MARGIN} and ≥ "
                            f"{WCXB_ARTICLE_F1_GOAL} (ours {ours.f1:.4f}, bare {bare.f1:.4f})",
                            ours.f1, goal, ">=", Unit(".4f")))
        lost = len(articles) - ours.stored
        share = lost / len(articles)
        found.append(Target(f"WCXB articles lost ≤ {WCXB_LOST_GOAL:.1%} ({lost}/{len(articles)}"
                            f", {share:.1%})", share, WCXB_LOST_GOAL, "<=", _SHARE))
    listings = [r for r in results if r.page.corpus == "wcxb"
                and r.page.page_type in NON_ARTICLE_TYPES]
    if listings:
        stored = sum(r.outputs["ours"].stored for r in listings)
        # A page stored with a flag (``flagged listing: …`` in its reason) is stored: it counts.
        flagged = sum(map(_flagged, listings))
        share = stored / len(listings)
        found.append(Target(f"WCXB listing + collection pages stored as articles ≤ "
                            f"{WCXB_STORED_LISTINGS_GOAL:.0%} ({stored}/{len(listings)}, "
                            f"{share:.1%}; {stored - flagged} of them unflagged)", share,
                            WCXB_STORED_LISTINGS_GOAL, "<=", _SHARE))
    bad = collapses(results)
    found.append(Target(f"no article page where bare F1 ≥ {BARE_GOOD} and ours < {OURS_BAD} "
                        f"({len(bad)})", len(bad), 0, "<=", _PAGES))
    for name, group in (("ScrapingHub", shub), ("WCXB", [r for r in results
                                                        if r.page.corpus == "wcxb"])):
        if group:
            ratio = time_ratio(group)
            found.append(Target(f"ours ≤ {SPEED_GOAL}× bare trafilatura's time per page, "
                                f"{name} ({ratio:.2f}×)", ratio, SPEED_GOAL, "<=",
                                Unit(".2f", "×")))
    return found


def worst(results: Sequence[PageResult], count: int) -> list[str]:
    """The pages where ours falls furthest below bare (for looking at causes)."""
    ranked = sorted(results, key=lambda r: r.scores["ours"][2] - r.scores["bare"][2])
    return [f"{r.page.corpus}/{r.page.id} [{r.page.page_type}] ours {r.scores['ours'][2]:.3f} "
            f"bare {r.scores['bare'][2]:.3f} {r.outputs['ours'].verdict}: "
            f"{r.outputs['ours'].reason or ''} {r.page.url}" for r in ranked[:count]]


def page_records(results: Sequence[PageResult]) -> list[dict[str, Any]]:
    """One JSON-ready dict per page and system (``--pages-json``)."""
    return [{"corpus": r.page.corpus, "id": r.page.id, "type": r.page.page_type,
             "url": r.page.url, "system": name, "f1": r.scores[name][2],
             "precision": r.scores[name][0], "recall": r.scores[name][1],
             "verdict": o.verdict, "reason": o.reason, "seconds": r.seconds.get(name)}
            for r in results for name, o in r.outputs.items()]


def section(results: Sequence[PageResult], systems: Sequence[str], loadavg: tuple[float, float],
            note: str) -> Section:
    """This module's section of BENCHMARKS.md."""
    intro = (
        f"trafilatura {trafilatura.__version__}. ScrapingHub's article-extraction-benchmark "
        f"(181 news articles, MIT) and WCXB's dev split (1,497 pages of seven types; "
        f"\"WCXB, Murrough Foley, 2026\", CC-BY-4.0), read from the datasets folder at run time "
        f"({note}). Metric: bag of lower-cased tokens (WCXB `\\w+`, ScrapingHub whitespace "
        "words), per-page precision / recall / F1, mean over pages, empty output 0. Ours runs "
        "without registry hints; **lost** = an article page the night would not store. Title "
        "/ author / date exact are over the pages whose truth has the field, by "
        "`bench/metadata_match.py` (title: equal after NFKC, case folding, plain quotes and "
        "dashes, edge punctuation trimmed; author: the joined list equals the truth or the "
        "same set of names; date: the same day in the page's own offset). Time: CPU time of "
        "ours and bare back to back on each page, alternating order; "
        f"machine load average {loadavg[0]:.1f} before, {loadavg[1]:.1f} after.")
    return Section(TITLE, [intro, *_tables(results, systems)], targets=targets(results))


def _tables(results: Sequence[PageResult], systems: Sequence[str]) -> list[Table]:
    tables = [quality_table(results, systems), article_table(results)]
    meta = metadata_table(results, systems)
    return [Table(*table, left_columns=2)
            for table in ([*tables, meta] if meta is not None else tables)]


def skipped_section(folder: Path) -> Section:
    return Section(TITLE, [f"Skipped: no `scrapinghub/` or `wcxb-dev/` under `{folder}`. With "
                           f"internet, fetch them at the pinned commits:\n\n```sh\n{FETCH}\n```"])


def main(argv: list[str] | None = None) -> int:
    """Command line: load, run, print the tables, optionally write the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, help="folder holding scrapinghub/ and "
                        "wcxb-dev/ (default $KHABAR_DATASETS, else ../shared/datasets)")
    parser.add_argument("--quick", action="store_true",
                        help="ScrapingHub and a 300-page WCXB sample, three systems")
    parser.add_argument("--sample", type=int, help="WCXB pages to keep (spread over types)")
    parser.add_argument("--corpus", choices=("scrapinghub", "wcxb"), help="only this corpus")
    parser.add_argument("--systems", help=f"comma-separated among: {', '.join(SYSTEMS)}")
    parser.add_argument("--worst", type=int, default=0, help="print the N pages furthest "
                        "below bare")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--pages-json", type=Path, help="write per-page scores as JSON")
    args = parser.parse_args(argv)
    systems = (args.systems.split(",") if args.systems
               else ["ours", "bare", "bare-options"] if args.quick else list(SYSTEMS))
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not {"ours", "bare"} <= set(systems):
        # The lost / collapse / speed table and the targets compare ours with bare.
        parser.error(f"--systems {','.join(systems)}: must include ours and bare, among "
                     f"{', '.join(SYSTEMS)}")
    console = Console(width=200)
    folder = datasets_folder(args.datasets)
    if folder is None:
        where = args.datasets or os.environ.get("KHABAR_DATASETS") or DEFAULT_DATASETS
        console.print(f"No datasets under {where}; fetch them with:\n{FETCH}", highlight=False)
        if args.markdown:
            skipped_section(Path(where)).write(args.markdown)
        return 0
    sample = args.sample or (300 if args.quick else None)
    pages: list[CorpusPage] = []
    if args.corpus in (None, "scrapinghub") and (folder / "scrapinghub").is_dir():
        pages += load_scrapinghub(folder / "scrapinghub")
    if args.corpus in (None, "wcxb") and (folder / "wcxb-dev").is_dir():
        pages += load_wcxb(folder / "wcxb-dev", sample)
    console.print(f"{len(pages)} pages from {folder}; systems: {', '.join(systems)}",
                  highlight=False)
    before = os.getloadavg()[0]
    results = run_corpus(pages, systems, console)
    loadavg = (before, os.getloadavg()[0])
    note = (f"WCXB sample of {sample} pages" if sample else "every page") + f", from `{folder}`"
    report = section(results, systems, loadavg, note)
    report.print(console)
    for line in worst(results, args.worst):
        console.print(line, highlight=False, soft_wrap=True)
    if args.markdown:
        report.write(args.markdown)
    if args.pages_json:
        args.pages_json.write_text(json.dumps(page_records(results), default=str),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
