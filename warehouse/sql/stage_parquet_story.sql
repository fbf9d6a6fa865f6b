-- The story features (and MinHash signature) the extraction workers computed, for the changed
-- articles that hold a row of this file: the row the load just merged, the one whose fetch time
-- is the article's last_seen (update_articles.sql takes a fetch at least as recent as the
-- stored one, title and text with it; stage_articles.sql breaks ties by URL, as here). No text
-- is read: comparing hashes of the stored texts scanned every stored text. An empty signature
-- is not stored (upsert_signatures.sql keeps the old one): NULL here, filled from
-- article_signatures by update_parquet_story_signatures.sql.
CREATE OR REPLACE TEMP TABLE parquet_story AS
WITH matched AS (
    SELECT r.file_row_number, s.article_id
    FROM (
        SELECT file_row_number, article_id(canonical_url) AS article_id, fetched_at, url
        FROM read_parquet($path, file_row_number = true)
        WHERE verdict = 'article'
    ) AS r
    JOIN story_sources AS s ON s.article_id = r.article_id AND s.last_seen = r.fetched_at
    QUALIFY row_number() OVER (PARTITION BY s.article_id ORDER BY r.url) = 1
)
SELECT
    m.article_id,
    p.story,
    CASE WHEN len(p.minhash) > 0 THEN p.minhash END AS minhash
FROM matched AS m
JOIN read_parquet($path, file_row_number = true) AS p
    ON p.file_row_number = m.file_row_number
WHERE p.story IS NOT NULL;
