-- Every extracted page of the run; article_id is the first 16 hex digits of SHA-256(canonical_url).
-- paragraphs repeats text and no table keeps it, so it is not staged (it would double memory).
CREATE OR REPLACE TEMP TABLE staged_rows AS
SELECT
    * EXCLUDE (paragraphs),
    CASE WHEN verdict = 'article' THEN left(sha256(canonical_url), 16) END AS article_id
FROM read_parquet($path);
