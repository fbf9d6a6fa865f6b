"""Stories benchmark (issue 14): quality on the labelled set, cross-language linking, scale.

    python -m bench.stories [--sizes 10000,100000,1000000] [--night 1000] [--quick]
                            [--markdown PATH] [--workdir DIR] [--keep] [--period 102000]

1. **Labelled set** (``bench/storyset``: 151 hand-written articles, fr/ar/en), loaded night by
   night with ``load_run``: copies and stories scored against the labels. Baseline, same run:
   the grouping this replaced (a link only at MinHash Jaccard >= 0.7).
2. **Cross-language** (stretch): what names and figures alone say about pairs of articles in
   two languages published within three days, against the labelled events.
3. **Scale**: generated articles (pseudo-words and names drawn from Zipf distributions, as real
   vocabularies are: a few names in every article, most rare; 2,000 a day; 10% independent
   write-ups of a recent event, 12% wire copies with their own headline and lead and a
   paragraph dropped, 8% aggregator copies naming their original; ``_doc``), loaded by
   ``load_run`` into a new warehouse in runs of at most ``RUN``, in order, as a backfill would
   (every article grouped as it arrives), a copy of the warehouse kept at each size N: the
   time to reach N, µs per article and the growth exponent. Then, on each copy, a night of
   ``--night`` articles of the following day. The build and each night run in their own
   process, a connection per run; the grouping's share (``update_stories``) is timed inside
   ``load_run``. The generated articles are kept in ``--cache`` (~1.4 ms of CPU an article,
   most of it MinHash and features as the extraction workers compute them: generating
   1,001,000 was on course for 96 minutes at the 0.27 of a core the bench got under load);
   ``--period`` generates only a period of whole days and repeats it
   (``repeated``: the real 1,000,000 build of BENCHMARKS.md took 36 minutes so, at load
   average 5-13). ``--keep`` keeps the work directory and each stored warehouse
   (``stored-N.duckdb``), to measure a night on it again.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from bench import storyset
from bench.child import run_json
from bench.report import Section, Table, Target
from bench.tables import int_list
from bench.warehouse import exponent
from bench.workdir import work_folder
from khabar.paths import PROJECT_ROOT as ROOT
from khabar.run.layout import RunFolder

# Up to 1,000,000 (the goal): the build took 36 minutes with other sessions running
# (make bench gives this module 3 hours: bench/__main__.py).
SIZES = (10_000, 100_000, 1_000_000)
# Beyond this many, the default build repeats a period of this many generated articles (51 days)
# instead of generating them all: BENCHMARKS.md's 1,000,000 build did so (generating 1,001,000
# distinct articles was on course for 96 minutes under load; the grouping only looks
# transforms.story.WINDOW_DAYS back, so a repetition 51 days later finds no candidate in the one
# before). --period 0 turns it off.
PERIOD = 102_000
QUICK_SIZES = (2_000, 8_000)
PER_DAY = 2_000
T0 = datetime(2024, 1, 1, tzinfo=UTC)
OUTLETS = ("lebrief", "le360", "hespress_fr", "medias24", "telquel", "lematin", "lavieeco",
           "leseco", "h24info", "barlamane", "map_fr")
AGGREGATOR = "maghress_fr"
NIGHT_TARGET_S = 30.0
# Stored articles are loaded in runs of this many, in order (a backfill's runs): one load_run of
# 100,000 articles ran the load's article merge out of DuckDB's 256 MB.
RUN = 20_000
# DuckDB memory of the process that builds the stored warehouse (the nights run with the
# default, 256 MB): a 20,000-article run loaded into more than ~420,000 stored articles ran out
# of 256 MB, DuckDB keeping every primary-key index node the run's inserts touched (96 MB at
# 420,000: ~230 bytes an article over five indexes) beside the run's uncommitted rows (~90 MB).
# A night touches few nodes (1,000 inserts).
BUILD_MEMORY = "1GB"
# A night that runs out of the default DuckDB memory is measured again with this much.
NIGHT_RETRY_MEMORY = "512MB"
LINEAR_TARGET = 1.1
CASABLANCA = ZoneInfo("Africa/Casablanca")
CHILD = "bench.stories_child"  # the scale measurement, a fresh interpreter each

# --- 1. the labelled set ----------------------------------------------------------------------


def _jaccard_only() -> object:
    """Patch the scorer to the replaced rule (a link only at Jaccard >= 0.7); returns the real
    one, to put back."""
    from transforms import story

    real = story.score_pair

    def replaced(*args: object, **kwargs: object) -> story.PairScore:
        verdict = real(*args, **kwargs)
        kind = None
        if verdict.jaccard >= 0.7:
            kind = "story" if kwargs.get("same_outlet") else "copy"
        fields = [getattr(verdict, f) for f in story.PairScore.__slots__[1:]]
        return story.PairScore(kind, *fields)

    story.score_pair = replaced
    return real


def labelled(work: Path) -> dict[str, storyset.runs.Quality]:
    """The labelled set's scores, with this branch's grouping and with the replaced one."""
    from bench.storyset.runs import evaluate, load_storyset
    from transforms import story
    from warehouse import connect

    out = {}
    for label in ("after", "before (Jaccard >= 0.7 only)"):
        real = _jaccard_only() if label.startswith("before") else None
        try:
            folder = work / f"storyset-{len(out)}"
            con = connect(folder / "news.duckdb")
            start = time.perf_counter()
            load_storyset(con, folder / "runs")
            quality = evaluate(con)
            quality.seconds = time.perf_counter() - start
            con.close()
        finally:
            if real is not None:
                story.score_pair = real
        out[label] = quality
    return out


# --- 2. cross-language ------------------------------------------------------------------------


def cross_language() -> list[list[str]]:
    """Pairs of articles in two languages within three days, linked by names and figures only,
    against the labelled events: one row per rule."""
    from transforms import story

    items = storyset.articles()
    features = {a.id: story.story_features(a.title, a.text, a.language) for a in items}
    rules = {
        "scorer, names and figures only (cross_language=True)": None,
        ">= 2 shared figures": 2,
        ">= 3 shared figures": 3,
    }
    rows = []
    for name, figures in rules.items():
        found = truth = hit = 0
        by_pair: dict[tuple[str, str], tuple[int, int, int]] = {}
        for a, b in itertools.combinations(items, 2):
            if a.language == b.language or abs(a.published_at - b.published_at) > timedelta(3):
                continue
            fa, fb = features[a.id], features[b.id]
            if figures is None:
                linked = story.score_pair(fa, fb, [], [], a.published_at, b.published_at,
                                          cross_language=True).kind is not None
            else:
                linked = len(set(fa.numbers) & set(fb.numbers)) >= figures
            same = a.event == b.event
            found += linked
            truth += same
            hit += linked and same
            key = tuple(sorted((a.language, b.language)))
            f, t, h = by_pair.get(key, (0, 0, 0))
            by_pair[key] = (f + linked, t + same, h + (linked and same))
        precision = hit / found if found else 0.0
        recall = hit / truth if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
        per = ", ".join(f"{'-'.join(k)} R {h / t:.2f}" for k, (f, t, h) in sorted(by_pair.items())
                        if t)
        rows.append([name, f"{truth:,}", f"{found:,}", f"{precision:.2f}", f"{recall:.2f}",
                     f"{f1:.2f}", per])
    return rows


# --- 3. scale ---------------------------------------------------------------------------------


_SYLLABLES = ("ba be bi bo bou da de di do dou fa fe fi fo ka ke ki ko la le li lo lou ma me "
              "mi mo mou na ne ni no nou ra re ri ro rou sa se si so sou ta te ti to tou va ve "
              "vi vo za ze zi zo cha che chi cho gna gne gni ran ren rin ron tan ten tin "
              "ton").split()


@cache
def _lexicon() -> tuple[list[str], list[str], list[float], list[float]]:
    """(words, names, cumulative Zipf weights of each): 30,000 lower-case pseudo-words and
    40,000 capitalised names, the same for every process. Zipf (s = 1) like real vocabularies:
    a few words and names everywhere, most rare."""
    rng = random.Random(11)

    def draw(count: int, low: int, high: int) -> list[str]:
        out: dict[str, None] = {}
        while len(out) < count:
            out["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(low, high)))] = None
        return list(out)

    words = draw(30_000, 1, 4)
    known = set(words)
    names = [n.capitalize() for n in draw(60_000, 2, 4) if n not in known][:40_000]
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    name_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(names))))
    return words, names, weights, name_weights


def _sentence(rng: random.Random, names: list[str], figures: list[str]) -> str:
    words, _, weights, _ = _lexicon()
    out = rng.choices(words, cum_weights=weights, k=rng.randint(12, 22))
    for _ in range(rng.randint(0, 2)):
        out.insert(rng.randrange(1, len(out)), rng.choice(names + figures))
    return " ".join(out).capitalize() + "."


def _event(rng: random.Random) -> tuple[list[str], list[str]]:
    """An event's names (Zipf-popular: a minister in the news every day, a village once) and
    figures."""
    _, all_names, _, name_weights = _lexicon()
    names = list(dict.fromkeys(rng.choices(all_names, cum_weights=name_weights, k=4)))
    figures = [f"{rng.randint(2, 999)}{rng.choice(['', ',5', '.000', ' 000'])}" for _ in range(4)]
    return names, figures


def _text(rng: random.Random, names: list[str], figures: list[str]) -> str:
    return "\n\n".join(" ".join(_sentence(rng, names, figures) for _ in range(3))
                        for _ in range(4))


# A copy's source is one of the 400 articles before it: the recent ones are kept (a third of the
# calls were recomputing a source). Callers never modify the dict returned.
@lru_cache(maxsize=1024)
def _doc(seed: int, index: int) -> dict:
    """Article ``index`` of the generated stream (a pure function of seed and index): 70 %
    originals, 10 % independent write-ups of a recent event (its names and figures, other
    words), 12 % wire copies (own headline and lead, a paragraph dropped), 8 % aggregator
    copies dated at midnight."""
    rng = random.Random(seed * 1_000_003 + index)
    published = T0 + timedelta(seconds=index * 86_400 / PER_DAY + rng.randint(0, 600))
    roll = rng.random()
    if index > 400 and roll < 0.30:
        source = _doc(seed, index - rng.randint(1, 400))  # a copy of a copy now and then
        names, figures = source["event"]
        words, _, weights, _ = _lexicon()
        if roll < 0.10:  # an independent write-up
            outlet = rng.choice([o for o in OUTLETS if o != source["outlet"]])
            title = " ".join(source["title"].split()[:2] + rng.choices(words, cum_weights=weights,
                                                                      k=5))
            return _row(outlet, f"https://{outlet}.ma/{index}/", title,
                        _text(rng, names, figures), max(published, source["published_at"]),
                        event=(names, figures))
        if roll < 0.22:  # a wire copy
            paragraphs = source["text"].split("\n\n")
            if len(paragraphs) > 2:
                del paragraphs[rng.randrange(1, len(paragraphs))]
            paragraphs[0] = " ".join(_sentence(rng, names, figures) for _ in range(2))
            outlet = rng.choice([o for o in OUTLETS if o != source["outlet"]])
            title = " ".join(rng.choices(words, cum_weights=weights, k=6)).capitalize()
            return _row(outlet, f"https://{outlet}.ma/{index}/", title, "\n\n".join(paragraphs),
                        max(published, source["published_at"]), event=(names, figures))
        local = source["published_at"].astimezone(CASABLANCA).date()
        midnight = datetime(local.year, local.month, local.day, tzinfo=CASABLANCA)
        return _row(AGGREGATOR, f"https://www.maghress.com/fr/{source['outlet']}/{index}",
                    source["title"], source["text"], midnight.astimezone(UTC),
                    original=(source["url"], source["outlet"]), event=(names, figures))
    names, figures = _event(rng)
    words, _, weights, _ = _lexicon()
    outlet = OUTLETS[rng.randrange(len(OUTLETS))]
    title = " ".join([names[0], *rng.choices(words, cum_weights=weights, k=6)])
    return _row(outlet, f"https://{outlet}.ma/{index}/", title, _text(rng, names, figures),
                published, event=(names, figures))


def _row(outlet: str, url: str, title: str, text: str, published: datetime,
         original: tuple[str, str] | None = None,
         event: tuple[list[str], list[str]] = ([], [])) -> dict:
    return {"outlet": outlet, "url": url, "title": title, "text": text,
            "published_at": published, "original_url": original[0] if original else None,
            "original_outlet": original[1] if original else None, "event": event}


def _rows(args: tuple[int, int, int]) -> pa.Table:
    from khabar.run.schemas import ARTICLE_SCHEMA
    from transforms.dedup import content_hash, minhash_signature
    from transforms.story import features_row

    seed, start, stop = args
    fetched = T0 + timedelta(days=2_000)
    rows = []
    signed: dict[tuple[str, str], tuple[str, list[int], dict]] = {}  # an aggregator's copy
    for index in range(start, stop):
        doc = _doc(seed, index)
        text = doc["text"]
        if (doc["title"], text) not in signed:
            signed[doc["title"], text] = (content_hash(text), minhash_signature(text),
                                          features_row(doc["title"], text, "fr"))
        digest, minhash, features = signed[doc["title"], text]
        rows.append({
            "run_id": "bench", "outlet": doc["outlet"], "url": doc["url"],
            "canonical_url": doc["url"], "http_status": 200, "fetched_at": fetched,
            "verdict": "article", "title": doc["title"], "authors": [],
            "published_at": doc["published_at"], "language": "fr", "categories": [], "tags": [],
            "paragraphs": [], "text": text, "word_count": len(text.split()),
            "extractor": "bench", "extractor_version": "bench",
            "original_outlet": doc["original_outlet"],
            "original_published_at": doc["published_at"] if doc["original_url"] else None,
            "original_url": doc["original_url"], "content_hash": digest,
            "minhash": minhash, "story": features,  # as the extraction workers compute them
        })
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def generate(total: int, cache: Path, workers: int, seed: int = 3) -> Path:
    """``total`` generated articles as one parquet file (kept in ``cache`` between runs)."""
    path = cache / f"stories-v3-{seed}-{total}.parquet"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    chunk = 5_000
    parts = [(seed, start, min(start + chunk, total)) for start in range(0, total, chunk)]
    tmp = path.with_suffix(".tmp")
    writer = None
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for table in pool.map(_rows, parts):
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
    writer.close()
    tmp.replace(path)
    return path


_TRAILING_NUMBER = re.compile(r"(\d+)(/?)$")


def _renumbered(url: str | None, by: int) -> str | None:
    """``url`` with its trailing number (a generated article's index) raised by ``by``."""
    found = _TRAILING_NUMBER.search(url) if url else None
    if url is None or found is None:
        return url
    return f"{url[:found.start()]}{int(found.group(1)) + by}{found.group(2)}"


def repeated(source: Path, total: int, period: int) -> Path:
    """``total`` articles made of ``source``'s first ``period`` (whole days of the generated
    stream) over and over: article ``i`` is generated article ``i % period`` moved
    ``i // period`` periods later (Casablanca wall-clock time, so an aggregator's midnight stays
    a midnight) with its own URLs (the trailing number is ``i``, in an aggregator's
    ``original_url`` too: its declared original is the same repetition's). Written next to
    ``source``, kept like it.

    What it saves: generating an article costs ~1.4 ms of CPU (its MinHash and story features, as
    the extraction workers compute them); generating 1,001,000 was on course for 96 minutes at load
    average 10-12 (0.27 of a core for the bench), this takes seconds. What it keeps: the grouping
    sees articles only within ``transforms.story.WINDOW_DAYS`` of each other and declared originals
    by URL, so each repetition is grouped as the first was, and every stored table holds ``total``
    rows, each loaded and grouped by the product's code.
    """
    if period % PER_DAY:
        raise SystemExit(f"--period {period:,} is not a whole number of days of {PER_DAY:,}")
    path = source.with_name(f"{source.stem}-x{total}.parquet")
    if path.exists():
        return path
    base = pq.read_table(source)
    if base.num_rows < period:
        raise SystemExit(f"{source} holds {base.num_rows:,} articles, fewer than {period:,}")
    base = base.slice(0, period)
    days = period // PER_DAY
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, base.schema) as writer:
        for start in range(0, total, period):
            part = base.slice(0, min(period, total - start))
            cycle = start // period
            for name in ("url", "canonical_url", "original_url") if cycle else ():
                column = [_renumbered(u, start) for u in part.column(name).to_pylist()]
                part = part.set_column(part.schema.get_field_index(name),
                                       part.schema.field(name), pa.array(column, pa.string()))
            for name in ("published_at", "original_published_at") if cycle else ():
                field = part.schema.field(name)
                column = [None if t is None else (
                    t.astimezone(CASABLANCA).replace(tzinfo=None)
                    + timedelta(days=days * cycle)).replace(tzinfo=CASABLANCA).astimezone(UTC)
                    for t in part.column(name).to_pylist()]
                part = part.set_column(part.schema.get_field_index(name), field,
                                       pa.array(column, field.type))
            writer.write_table(part, row_group_size=20_000)
    tmp.replace(path)
    return path


def _run_folders(source: Path, work: Path, bounds: list[int], sizes: list[int], night: int
                 ) -> list[tuple[str, str, int]]:
    """Run folders of the generated articles ``[bounds[i], bounds[i + 1])`` (each an
    ``articles.parquet`` with its run id) and, for each size N, the night's: the ``night``
    articles after the N-th; the source file is read once (reading it per run read 2 GB 50
    times for 1M)."""
    table = pq.read_table(pa.memory_map(str(source)))
    runs = []

    def write(folder: Path, run_id: str, start: int, stop: int) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        part = table.slice(start, stop - start)
        part = part.set_column(part.schema.get_field_index("run_id"), "run_id",
                               pa.array([run_id] * part.num_rows, pa.string()))
        pq.write_table(part, RunFolder(folder).articles, row_group_size=20_000)
        return str(folder)

    for i, (start, stop) in enumerate(itertools.pairwise(bounds)):
        run_id = f"bench-{i:03d}"
        runs.append((run_id, write(work / "runs" / run_id, run_id, start, stop), stop - start))
    for n in sizes:
        write(work / f"night-{n}" / "night", "night", n, n + night)
    return runs


def scale(args: argparse.Namespace, work: Path, console: Console) -> dict[int, dict]:
    """The warehouse built by loading the generated articles in order, in runs of at most
    ``RUN`` (a backfill), with a copy kept at each size; then, per size, a night on top."""
    sizes = sorted(args.sizes)
    started = time.perf_counter()
    total = sizes[-1] + args.night
    if args.period:
        source = repeated(generate(args.period, args.cache, args.workers), total, args.period)
    else:
        source = generate(total, args.cache, args.workers)
    console.log(f"generated {total:,} articles in {time.perf_counter() - started:.0f} s")
    bounds = sorted({0, *sizes, *range(RUN, sizes[-1], RUN)})
    runs = _run_folders(source, work, bounds, sizes, args.night)
    keep = {str(n): str(work / f"stored-{n}.duckdb") for n in sizes}
    build = run_json(CHILD, {"db": str(work / "build.duckdb"), "runs": runs, "keep": keep,
                             "progress": str(work / "build-progress.jsonl")},
                     cwd=ROOT, env={**os.environ, "KHABAR_DUCKDB_MEMORY": BUILD_MEMORY})
    shutil.rmtree(work / "runs")
    (work / "build.duckdb").unlink()
    console.log(f"built {sizes[-1]:,}: " + ", ".join(
        f"{n}: load {m['seconds']:.0f} s, grouping {m['grouping']:.0f} s"
        for n, m in build["sizes"].items()))
    out = {}
    for n in sizes:
        night = [("night", str(work / f"night-{n}" / "night"), args.night)]
        task = {"db": str(work / "night.duckdb"), "copy_from": keep[str(n)], "runs": night}
        try:
            tonight = run_json(CHILD, task, cwd=ROOT)
            tonight["memory"] = "default"
        except RuntimeError as exc:
            if "Out of Memory" not in str(exc):
                raise
            # The night's transaction holds the primary-key index of every table it inserts
            # into, each loaded whole (~50 MB per 1,000,000 articles): 256 MB is not enough at
            # 1,000,000 stored. Measured again with more, and said in the table.
            (work / "night.duckdb").unlink(missing_ok=True)
            tonight = run_json(CHILD, task, cwd=ROOT,
                               env={**os.environ, "KHABAR_DUCKDB_MEMORY": NIGHT_RETRY_MEMORY})
            tonight["memory"] = f"{NIGHT_RETRY_MEMORY} (default: out of memory)"
        if not args.keep:  # --keep leaves each stored warehouse, to measure its night again
            Path(keep[str(n)]).unlink()
        (work / "night.duckdb").unlink(missing_ok=True)
        out[n] = {"build": build["sizes"][str(n)], "night": tonight}
        b = out[n]["build"]
        console.log(f"{n:,}: load {b['seconds']:.1f} s (grouping {b['grouping']:.1f} s), "
                    f"night {tonight['seconds']:.2f} s (grouping {tonight['grouping']:.2f} s, "
                    f"CPU {tonight['cpu']:.2f} s; close {tonight['close']:.2f} s)")
    return out


# --- report -----------------------------------------------------------------------------------


def _ratio(pair: tuple[float, float, float]) -> str:
    return f"{pair[0]:.3f} / {pair[1]:.3f} / {pair[2]:.3f}"


def tables(quality: dict, cross: list[list[str]], sized: dict[int, dict]
           ) -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    header = ["measure", *quality]
    rows = []
    for name, get in (
        ("copies pairwise P / R / F1", lambda q: _ratio(q.copies)),
        ("stories pairwise P / R / F1", lambda q: _ratio(q.stories)),
        ("stories B-cubed P / R / F1", lambda q: _ratio(q.bcubed)),
        ("stories pairwise F1 fr / ar / en",
         lambda q: " / ".join(f"{q.languages[x][2]:.3f}" for x in ("fr", "ar", "en"))),
        ("copies linked to their labelled original", lambda q: f"{q.copies_linked} of "
                                                               f"{q.copies_total}"),
        ("multi-outlet stories found whole", lambda q: f"{q.stories_whole} of "
                                                       f"{q.stories_total}"),
        ("first publisher right", lambda q: f"{q.first_right} of {q.stories_total}"),
        ("negative pickup delays", lambda q: str(q.negative_delays)),
        ("load of every night, s", lambda q: f"{q.seconds:.1f}"),
    ):
        rows.append([name, *(get(q) for q in quality.values())])
    out.append(("Labelled set: 151 articles, 41 multi-outlet stories (fr, ar, en), loaded night "
                "by night", header, rows))
    out.append(("Cross-language linking (stretch): pairs in two languages within 3 days, names "
                "and figures only, against the labelled events",
                ["rule", "true pairs", "linked", "precision", "recall", "F1", "recall by pair"],
                cross))
    if sized:
        header = ["stored articles", "load s", "grouping s", "grouping CPU s",
                  "grouping µs/article (CPU)", "stories", "links", "copies", "peak RSS MB",
                  "night load s", "night CPU s", "night grouping s (CPU)", "night close s",
                  "night peak RSS MB", "night DuckDB memory"]
        rows = []
        for n, m in sized.items():
            b, t = m["build"], m["night"]
            rows.append([f"{n:,}", f"{b['seconds']:.1f}", f"{b['grouping']:.1f}",
                         f"{b['grouping_cpu']:.1f}",
                         f"{b['grouping'] / n * 1e6:.0f} ({b['grouping_cpu'] / n * 1e6:.0f})",
                         f"{b['stories']:,}", f"{b['links']:,}", f"{b['copies']:,}",
                         f"{b['peak_rss_mb']:,.0f}", f"{t['seconds']:.2f}", f"{t['cpu']:.2f}",
                         f"{t['grouping']:.2f} ({t['grouping_cpu']:.2f})", f"{t['close']:.2f}",
                         f"{t['peak_rss_mb']:,.0f}", t["memory"]])
        for what, key in (("wall", "grouping"), ("CPU", "grouping_cpu")):
            slope = exponent({n: m["build"][key] for n, m in sized.items()})
            rows.append([f"growth exponent of grouping ({what})", "",
                         *([f"{slope:.2f}", ""] if what == "wall" else ["", f"{slope:.2f}"]),
                         *[""] * 11])
        out.append((f"Scale: N generated articles loaded in runs of {RUN:,} and grouped as they "
                    "arrive, then a night on top (each its own process)", header, rows))
    return out


def targets(quality: dict, sized: dict[int, dict]) -> list[Target]:
    q = quality["after"]
    lines: list[Target] = []

    def line(what: str, ok: bool, value: str) -> None:
        lines.append(Target.check(what, ok, note=value, why=value))

    line("copies pairwise precision ≥ 0.99 and recall ≥ 0.97",
         q.copies[0] >= 0.99 and q.copies[1] >= 0.97, f"{q.copies[0]:.3f}, {q.copies[1]:.3f}")
    line("stories pairwise F1 ≥ 0.92", q.stories[2] >= 0.92, f"{q.stories[2]:.3f}")
    line("stories B-cubed F1 ≥ 0.90", q.bcubed[2] >= 0.90, f"{q.bcubed[2]:.3f}")
    line("every copy linked to its original outlet and URL",
         q.copies_linked == q.copies_total,
         f"{q.copies_linked} of {q.copies_total}; every copy found points at its labelled "
         "original")
    line("0 negative pickup delays", q.negative_delays == 0, str(q.negative_delays))
    line("first publisher right on every labelled story", q.first_right == q.stories_total,
         f"{q.first_right} of {q.stories_total}")
    if sized:
        slope = exponent({n: m["build"]["grouping"] for n, m in sized.items()})
        span = f"{min(sized):,}-{max(sized):,}"
        slope_cpu = exponent({n: m["build"]["grouping_cpu"] for n, m in sized.items()})
        # Judged in CPU time: on the shared machine the wall exponent measures the other
        # sessions (1.26 against 1.03 in CPU, 10,000-1,000,000, load average 5-13: the largest
        # point waited 2.9 times its CPU, the smallest 1.05 times).
        line(f"grouping cost per article flat in CPU time, exponent ≤ {LINEAR_TARGET} ({span})",
             slope_cpu <= LINEAR_TARGET, f"{slope_cpu:.2f}; wall {slope:.2f}")
        top = max(sized)
        t = sized[top]["night"]
        line(f"a night under {NIGHT_TARGET_S:.0f} s on {top:,} stored",
             t["seconds"] < NIGHT_TARGET_S and t["memory"] == "default",
             f"{t['seconds']:.2f} s, grouping {t['grouping']:.2f} s; CPU {t['cpu']:.2f} s; "
             f"closing it (checkpoint) {t['close']:.2f} s more; DuckDB memory {t['memory']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list, help="stored articles (10k,100k,1M)")
    parser.add_argument("--night", type=int, help="articles of the night on top (1000)")
    parser.add_argument("--quick", action="store_true", help="small sizes: about a minute")
    parser.add_argument("--markdown", type=Path, help="write this module's BENCHMARKS.md section")
    parser.add_argument("--workers", type=int, default=2, help="processes for generation")
    parser.add_argument("--workdir", type=Path, help="where to write runs and databases")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--period", type=int,
                        help="generate only this many articles (whole days) and repeat them "
                             "later, with their own URLs, up to the largest size (repeated; "
                             f"default {PERIOD:,} when more are needed, 0: generate them all)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench",
                        help="where generated articles are kept between runs")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or list(QUICK_SIZES if args.quick else SIZES)
    args.night = args.night or (200 if args.quick else 1_000)
    if args.period is None and max(args.sizes) + args.night > PERIOD:
        args.period = PERIOD
    console = Console()
    with work_folder(args.workdir, "stories", args.keep) as work:
        quality = labelled(work)
        cross = cross_language()
        sized = scale(args, work, console)
    report = Section(
        "Stories: copies and stories across outlets (`bench/stories.py`)",
        [f"Labelled set `bench/storyset` (README there), loaded night by night; baseline in "
         f"the same run: the grouping it replaced (link only at MinHash Jaccard ≥ 0.7). "
         f"Scale: generated articles (Zipf pseudo-words and names), {PER_DAY:,} a day (10% "
         f"independent write-ups, 12% wire copies with their own headline and lead and a "
         f"paragraph dropped, 8% aggregator copies), N loaded by `load_run` into a new "
         f"warehouse in runs of {RUN:,} (each article grouped as it arrives), then a night of "
         f"{args.night:,} on top"
         f"{' (--quick sizes)' if args.quick else ''}.",
         *(Table(*table) for table in tables(quality, cross, sized))],
        targets=targets(quality, sized))
    report.show(console, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

