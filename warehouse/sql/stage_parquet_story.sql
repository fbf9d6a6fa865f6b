-- The story features the extraction workers computed, for the changed articles whose stored
-- title and text are those of a row of this file (a row older than the stored fetch is not).
CREATE OR REPLACE TEMP TABLE parquet_story AS
SELECT
    a.article_id,
    CAST(floor(epoch(coalesce(a.published_at, a.first_seen)) / 86400) AS INTEGER) AS day,
    a.language,
    p.story
FROM read_parquet($path) AS p
JOIN articles AS a ON a.article_id = left(sha256(p.canonical_url), 16)
JOIN story_changes AS c ON c.article_id = a.article_id
WHERE p.verdict = 'article' AND p.story IS NOT NULL
    AND p.title IS NOT DISTINCT FROM a.title AND p.text IS NOT DISTINCT FROM a.text
QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY p.fetched_at DESC, p.url) = 1;
