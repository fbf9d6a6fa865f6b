-- The story features the extraction workers computed, for the changed articles whose stored
-- title and text are those of a row of this file (a row older than the stored fetch is not).
-- Rows are matched on hashes of title and text, and the features fetched by row number after:
-- carrying the texts or the features through the join ran a 100,000-article load out of
-- DuckDB's 256 MB.
CREATE OR REPLACE TEMP TABLE parquet_story AS
WITH candidates AS (
    SELECT
        file_row_number,
        article_id(canonical_url) AS article_id,
        md5(coalesce(title, '') || chr(31) || coalesce(text, '')) AS digest,
        fetched_at,
        url
    FROM read_parquet($path, file_row_number = true)
    WHERE verdict = 'article'
),
matched AS (
    SELECT
        r.file_row_number,
        a.article_id,
        CAST(floor(epoch(coalesce(a.published_at, a.first_seen)) / 86400) AS INTEGER) AS day,
        a.language
    FROM candidates AS r
    JOIN story_changes AS c ON c.article_id = r.article_id
    JOIN articles AS a ON a.article_id = r.article_id
    WHERE md5(coalesce(a.title, '') || chr(31) || coalesce(a.text, '')) = r.digest
    QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY r.fetched_at DESC, r.url) = 1
)
SELECT m.article_id, m.day, m.language, p.story
FROM matched AS m
JOIN read_parquet($path, file_row_number = true) AS p
    ON p.file_row_number = m.file_row_number
WHERE p.story IS NOT NULL;
