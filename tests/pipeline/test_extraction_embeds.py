"""Embedded posts end to end: raw run folder → extract_run → articles.parquet → load_run into a
real DuckDB file → ``embeds`` / ``article_embeds``; reloads, a later run, an older run folder
without the column, and re-extraction of pages stored before embeds were extracted.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

import transforms.extract as extract_module
import warehouse
from khabar.run.layout import RunFolder
from khabar.run.records import JsonlGzWriter, RawPage
from pipeline.extraction import extract_run
from pipeline.reextract import reextract_run
from transforms.embeds import EmbedsFound
from warehouse.load import load_run

OUTLET = "lebrief"
PROSE = "".join(
    f"<p>Paragraphe {i} : le ministre a reçu son homologue à Rabat pour un entretien consacré à "
    f"la coopération, à la sécurité régionale et aux échanges commerciaux entre les deux pays, "
    f"qui ont progressé l'an dernier selon les chiffres publiés par l'office des changes.</p>"
    for i in range(4)
)


def _tweet(status: int, text: str) -> str:
    return (
        '<blockquote class="twitter-tweet"><p lang="fr" dir="ltr">'
        f"{text}</p>&mdash; Maroc Diplomatie (@MarocDiplomatie) "
        f'<a href="https://twitter.com/MarocDiplomatie/status/{status}?ref_src=twsrc">'
        "January 30, 2024</a></blockquote>"
    )


VIDEO = ('<iframe title="Conférence de presse" src="https://www.youtube.com/embed/dQw4w9WgXcQ">'
         "</iframe>")
TWEET_1 = _tweet(1001, "Entretien avec mon homologue à Rabat.")
TWEET_2 = _tweet(1002, "Signature de trois accords de coopération.")


def _html(title: str, embeds: str) -> str:
    return (
        f'<html lang="fr"><head><title>{title}</title>'
        '<meta property="og:type" content="article"></head>'
        f"<body><article><h1>{title}</h1>{PROSE}{embeds}</article></body></html>"
    )


def _run(tmp: Path, run_id: str, fetched_at: str, pages: dict[str, str],
         folder: str | None = None) -> Path:
    run_dir = tmp / "runs" / (folder or run_id)
    with JsonlGzWriter(RunFolder(run_dir).raw_file(OUTLET)) as writer:
        for url, html in pages.items():
            writer.write(RawPage.from_body(
                body=html.encode(), run_id=run_id, outlet=OUTLET, url=url, final_url=url,
                status=200, headers={"content-type": "text/html; charset=utf-8"},
                fetched_at=fetched_at, sources=["feed"],
            ))
    extract_run(run_dir, {}, workers=0)
    return run_dir


A = "https://lebrief.ma/rencontre-a-rabat-1/"
B = "https://lebrief.ma/accords-signes-2/"


def _current(db: Path) -> list[tuple]:
    with warehouse.connect(db, read_only=True) as con:
        return con.execute(
            "select a.canonical_url, e.position, e.platform, e.url, e.author, e.handle, e.text,"
            " e.run_id from article_embeds e join articles a using (article_id)"
            " order by 1, 2").fetchall()


def _table(db: Path) -> list[tuple]:
    with warehouse.connect(db, read_only=True) as con:
        return con.execute("select * from embeds order by run_id, article_id, position").fetchall()


def test_embeds_load_reload_and_follow_the_held_fetch(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    run1 = _run(tmp_path, "r1", "2026-03-01T08:00:00Z", {
        A: _html("Rencontre à Rabat", TWEET_1 + VIDEO + TWEET_2),
        B: _html("Accords signés", ""),
    })
    columns = pq.read_schema(RunFolder(run1).articles).names
    assert "embeds" in columns
    with warehouse.connect(db) as con:
        load_run(con, "r1", run1)
    first = _current(db)
    assert first == [
        (A, 1, "twitter", "https://twitter.com/MarocDiplomatie/status/1001", "Maroc Diplomatie",
         "MarocDiplomatie", "Entretien avec mon homologue à Rabat.", "r1"),
        (A, 2, "youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", None, None,
         "Conférence de presse", "r1"),
        (A, 3, "twitter", "https://twitter.com/MarocDiplomatie/status/1002", "Maroc Diplomatie",
         "MarocDiplomatie", "Signature de trois accords de coopération.", "r1"),
    ]
    with warehouse.connect(db, read_only=True) as con:
        (text,) = con.execute("select text from articles where canonical_url = ?", [A]).fetchone()
    assert "Entretien avec mon homologue" not in text and "Paragraphe 3" in text

    # Reloading the same run gives the same rows, not twice as many.
    table = _table(db)
    with warehouse.connect(db) as con:
        load_run(con, "r1", run1)
    assert _table(db) == table and _current(db) == first

    # A later fetch of A with one tweet fewer: the article holds it, and so does the view.
    run2 = _run(tmp_path, "r2", "2026-03-02T08:00:00Z", {
        A: _html("Rencontre à Rabat", TWEET_2), B: _html("Accords signés", ""),
    })
    with warehouse.connect(db) as con:
        load_run(con, "r2", run2)
    second = _current(db)
    assert [(row[3], row[7]) for row in second] == [
        ("https://twitter.com/MarocDiplomatie/status/1002", "r2")]
    assert len(_table(db)) == 4  # by run: r1's three and r2's one

    # Reloading the older run does not roll the article (or its embeds) back.
    with warehouse.connect(db) as con:
        load_run(con, "r1", run1)
    assert _current(db) == second

    # r2 reloaded without A: A falls back to r1's fetch, and to r1's embeds.
    smaller = _run(tmp_path, "r2", "2026-03-02T08:00:00Z", {B: _html("Accords signés", "")},
                   folder="r2-smaller")
    with warehouse.connect(db) as con:
        load_run(con, "r2", smaller)
    assert _current(db) == first


def test_run_folder_written_before_embeds_loads(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    run = _run(tmp_path, "old", "2026-03-01T08:00:00Z", {A: _html("Rencontre", TWEET_1)})
    table = pq.read_table(RunFolder(run).articles)
    pq.write_table(table.drop_columns(["embeds"]), RunFolder(run).articles)
    with warehouse.connect(db) as con:
        report = load_run(con, "old", run)
        assert report.total.articles_new == 1
        assert con.execute("select count(*) from embeds").fetchone() == (0,)


def test_reextraction_adds_embeds_to_stored_articles(tmp_path: Path, monkeypatch) -> None:
    """Pages stored by an extractor that did not read embeds gain them when re-extracted."""
    db = tmp_path / "news.duckdb"
    with monkeypatch.context() as patch:
        patch.setattr(extract_module, "EXTRACTOR_VERSION", "khabar-extract/1.0-test")
        patch.setattr(extract_module, "read_embeds", lambda root, url: EmbedsFound())
        run = _run(tmp_path, "night", "2026-03-01T08:00:00Z", {
            A: _html("Rencontre à Rabat", TWEET_1 + VIDEO), B: _html("Accords signés", ""),
        })
    with warehouse.connect(db) as con:
        load_run(con, "night", run)
    assert _current(db) == []

    report = reextract_run(db, tmp_path / "runs" / "re", "re", workers=0)
    assert report.pages == 2
    assert [(row[0], row[2], row[7]) for row in _current(db)] == [
        (A, "twitter", "re"), (A, "youtube", "re")]


def test_parquet_embed_fields_match_the_record() -> None:
    from khabar.run.schemas import EMBEDS_TYPE
    from transforms.record import Embed

    assert [f.name for f in EMBEDS_TYPE.value_type] == list(Embed.model_fields)
