"""warehouse.search: the full-text index finds French and Arabic, from Python and plain SQL."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.support.runs import art, words, write_run
from warehouse.load import load_run
from warehouse.search import build_search_index, search_articles


def test_search_finds_french_and_arabic(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    pages = [
        art("lebrief", "elections", "Les élections législatives approchent au Maroc. " + words(1)),
        art(
            "hespress_ar",
            "taalim",
            "أعلنت الحكومة المغربية عن إصلاحات جديدة في التعليم",
            title="إصلاح التعليم",
            language="ar",
        ),
        art("le360", "autre", words(2)),
    ]
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", pages))
    build_search_index(con)
    assert [h["outlet"] for h in search_articles(con, "election")] == ["lebrief"]
    assert [h["outlet"] for h in search_articles(con, "التعليم")] == ["hespress_ar"]
    assert search_articles(con, "introuvable") == []


def test_search_macro_in_plain_sql_french_arabic_english(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    pages = [
        art("lebrief", "bourita", "Nasser Bourita a reçu son homologue à Rabat. " + words(1)),
        art("lebrief", "elections", "Les élections législatives approchent. " + words(2)),
        art("hespress_ar", "taalim", "أعلنت الحكومة المغربية عن إصلاحات جديدة في التعليم",
            title="إصلاح التعليم", language="ar"),
        art("mwn", "water", "Morocco builds new desalination plants for drinking water. "
            + words(3), title="Desalination in Morocco", language="en"),
    ]
    load_run(con, "r1", write_run(tmp_path / "runs", "r1", pages))
    build_search_index(con)

    def outlets(query: str) -> list[str]:
        rows = con.execute("select outlet from search_articles(?)", [query]).fetchall()
        return [r[0] for r in rows]

    assert outlets("Bourita") == ["lebrief"]
    assert outlets("election") == ["lebrief"]  # accents folded, stemmed
    assert outlets("التعليم") == ["hespress_ar"]
    assert outlets("desalination") == ["mwn"]
    assert outlets("introuvable") == []
    top = con.execute("select * from search_articles('Rabat Morocco', max_results := 1)")
    assert [d[0] for d in top.description][:3] == ["score", "article_id", "outlet"]
    assert len(top.fetchall()) == 1
