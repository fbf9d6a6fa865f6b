"""Learned per-outlet boilerplate: a new outlet on an unseen theme comes out clean without rules.

The fake site below uses markup no rule knows (``div.xyz-box``, ``div.qv-strip``) for two
widgets repeated on every page, one of them inside the article body where trafilatura keeps it.
The night learns in the extraction pool's workers: the last test checks that it learns, and
extracts, exactly what one process does.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from khabar.run.layout import RunFolder
from khabar.run.records import JsonlGzWriter, RawPage
from pipeline.extraction import extract_run, extraction_pool, learned_boilerplate
from transforms.boilerplate import (
    learn_from_fingerprints,
    learn_from_pages,
    page_blocks,
    page_digest,
    page_fingerprints,
)
from transforms.extract import extract_article
from transforms.record import Verdict

WIDGET = ("Abonnez-vous à notre lettre Matin Express et recevez chaque matin à sept heures les "
          "dix informations du jour qu'il ne faut surtout pas manquer, triées par la rédaction")
PROMO = ("Le Grand Oral du dimanche revient sur notre antenne numérique avec les invités qui font "
         "l'actualité de la semaine politique et économique")
TOPICS = [
    ("Port de Nador : la nouvelle digue achevée", "la digue principale du port de Nador West Med"),
    ("Agadir : le festival Timitar dévoile sa programmation", "la programmation du festival"),
    ("Fès : restauration de la médersa Bou Inania", "les travaux de la médersa Bou Inania"),
    ("Oujda : un nouveau centre hospitalier régional", "le centre hospitalier régional d'Oujda"),
    ("Tanger : le tramway entre en phase d'études", "les études du futur tramway de Tanger"),
    ("Ifrane : chutes de neige et routes fermées", "les chutes de neige dans la région d'Ifrane"),
    ("Safi : la pêche à la sardine reprend", "la reprise de la pêche à la sardine à Safi"),
    ("Errachidia : un barrage rempli à 60 %", "le taux de remplissage du barrage Hassan Addakhil"),
]


def _paragraphs(i: int, subject: str) -> list[str]:
    return [
        f"Les autorités locales ont présenté mardi {subject}, un projet suivi de près par les "
        f"habitants et par les élus de la commune, selon un communiqué numéro {i + 101}.",
        f"Le chantier ({subject}), lancé il y a {i + 2} ans, a mobilisé plusieurs entreprises "
        "marocaines et un financement partagé entre l'État, la région et des bailleurs.",
        f"Les responsables espèrent que {subject} profitera à toute la région dès l'année "
        "prochaine, même si plusieurs associations demandent davantage de transparence.",
    ]


def _page(i: int) -> tuple[str, bytes, list[str]]:
    title, subject = TOPICS[i]
    paragraphs = _paragraphs(i, subject)
    body = "".join(f"<p>{p}</p>" for p in paragraphs[:2])
    body += f'<div class="xyz-box"><p class="xyz-t">{WIDGET}</p></div><p>{paragraphs[2]}</p>'
    html = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-11-{10 + i:02d}T09:00:00+01:00">
</head><body><div class="qv-wrap"><div class="qv-logo"><a href="/">Le Courrier de l'Oriental</a>
</div><div class="qv-strip">{PROMO}</div>
<div class="qv-main"><div class="qv-art"><h1 class="qv-h">{title}</h1>
<div class="qv-txt">{body}</div></div></div>
<div class="qv-end">Le Courrier de l'Oriental, journal régional indépendant fondé à Oujda</div>
</div></body></html>"""
    url = f"https://courrier-oriental.example/actualite/{i + 1000}/"
    return url, html.encode(), paragraphs


PAGES = [_page(i) for i in range(len(TOPICS))]


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_unknown_widget_leaks_without_learning() -> None:
    leaked = 0
    for url, body, _ in PAGES:
        article = extract_article(body, url, outlet="courrier_oriental")
        leaked += WIDGET in _norm(article.text)
    assert leaked == len(PAGES)  # no rule knows this widget: the test site really is unseen


def test_learned_boilerplate_cleans_a_new_outlet() -> None:
    learned = learn_from_pages(body for _, body, _ in PAGES)
    assert learned
    for url, body, paragraphs in PAGES:
        article = extract_article(body, url, outlet="courrier_oriental", learned=learned)
        assert article.verdict is Verdict.ARTICLE, article.reason
        assert WIDGET not in article.text and PROMO not in article.text
        assert article.paragraphs == paragraphs  # the page's own paragraphs all survive


def test_learning_needs_enough_pages_and_is_order_free() -> None:
    bodies = [body for _, body, _ in PAGES]
    assert learn_from_pages(bodies[:3]) == frozenset()
    assert learn_from_pages(bodies) == learn_from_pages(reversed(bodies))
    # The same page fetched many times is one page, not a recurring block.
    assert learn_from_pages([bodies[0]] * 10) == frozenset()


def test_page_blocks_reads_leaf_blocks_and_charsets() -> None:
    _, body, paragraphs = PAGES[0]
    blocks = page_blocks(body)
    assert WIDGET in blocks and paragraphs[0] in blocks
    arabic = "<html><head><meta charset='windows-1256'></head><body><p>مرحبا بكم في الموقع</p>"
    assert page_blocks(arabic.encode("cp1256")) == ["مرحبا بكم في الموقع"]


def test_learning_splits_into_per_page_fingerprints_and_counting() -> None:
    bodies = [body for _, body, _ in PAGES] + [PAGES[0][1]]  # one page fetched twice
    distinct = {page_digest(body): body for body in reversed(bodies)}.values()
    split = learn_from_fingerprints((page_fingerprints(body) for body in distinct), min_pages=6)
    assert split == learn_from_pages(bodies) != frozenset()


def _write_night(run_dir: Path) -> None:
    """Two outlets: the unseen theme (learns its widgets) and too few pages of another."""
    with JsonlGzWriter(RunFolder(run_dir).raw_file("courrier_oriental")) as raw:
        for i, (url, body, _) in enumerate(PAGES * 2):  # the repeats count once when learning
            raw.write(RawPage.from_body(
                body=body, run_id="night", outlet="courrier_oriental", url=f"{url}?n={i}",
                final_url=url, status=200, headers={"content-type": "text/html; charset=utf-8"},
                fetched_at="2026-11-23T02:30:00+00:00"))
    with JsonlGzWriter(RunFolder(run_dir).raw_file("other")) as raw:
        url, body, _ = PAGES[0]
        raw.write(RawPage.from_body(body=body, run_id="night", outlet="other", url=url,
                                    final_url=url, status=200, headers={},
                                    fetched_at="2026-11-23T02:30:00+00:00"))


def test_the_pool_learns_and_extracts_what_one_process_does(tmp_path: Path) -> None:
    _write_night(tmp_path)
    serial = learned_boilerplate(tmp_path)
    assert serial == {"courrier_oriental": learn_from_pages(body for _, body, _ in PAGES),
                      "other": frozenset()}
    extract_run(tmp_path, {}, workers=0)
    one_process = pq.read_table(RunFolder(tmp_path).articles)
    assert WIDGET not in " ".join(one_process.column("text").to_pylist()[:len(PAGES)])
    with extraction_pool(2) as pool:
        assert learned_boilerplate(tmp_path, pool=pool, workers=2) == serial
        summary = extract_run(tmp_path, {}, workers=2, pool=pool)
    assert summary.pages == 2 * len(PAGES) + 1
    assert pq.read_table(RunFolder(tmp_path).articles).equals(one_process)
