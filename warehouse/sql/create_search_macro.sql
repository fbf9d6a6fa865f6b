-- search_articles('words'[, max_results := N]): BM25 matches over title and text, best first.
-- It reads the fts index, so it is (re)created right after the index (build_search_index).
CREATE OR REPLACE MACRO search_articles(query_string, max_results := 20) AS TABLE
SELECT
    a.score,
    a.article_id,
    a.outlet,
    coalesce(a.published_at, a.first_seen) AS published_at,
    a.published_date,
    a.language,
    a.title,
    a.canonical_url,
    a.story_id,
    a.duplicate_of
FROM (
    SELECT *, fts_main_articles.match_bm25(article_id, query_string) AS score FROM articles
) AS a
WHERE a.score IS NOT NULL
ORDER BY a.score DESC, a.article_id
LIMIT max_results;
