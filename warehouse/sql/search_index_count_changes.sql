SELECT
    (SELECT count(*) FROM search_removed) AS removed,
    (SELECT count(*) FROM search_added) AS added,
    (SELECT count(*) FROM fts_main_articles.docs) AS indexed,
    (SELECT count(*) FROM fts_main_articles.indexed_articles) AS tracked;
