-- Every extracted page of the run; article_id is the first 16 hex digits of SHA-256(canonical_url).
CREATE OR REPLACE TEMP TABLE staged_rows AS
SELECT
    *,
    CASE WHEN verdict = 'article' THEN left(sha256(canonical_url), 16) END AS article_id
FROM read_parquet($path);
