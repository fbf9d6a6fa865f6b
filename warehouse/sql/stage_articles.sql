-- Which parquet rows become articles: one per article_id (khabar.urls.article_id, registered as
-- a function by warehouse.db.connect); a canonical URL reached twice keeps its last fetch.
-- stored: the article is in the table already. Only narrow columns are held: the statements
-- that need the text read it from the parquet file (staged_articles).
CREATE OR REPLACE TEMP TABLE staged_keys AS
SELECT file_row_number, article_id, article_id IN (SELECT article_id FROM articles) AS stored
FROM (
    SELECT file_row_number, article_id(canonical_url) AS article_id
    FROM read_parquet($path, file_row_number = true)
    WHERE verdict = 'article'
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY fetched_at DESC, url) = 1
);
