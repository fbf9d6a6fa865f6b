-- Every extracted page of the run; article_id as in stage_articles.sql.
INSERT INTO extractions BY NAME
SELECT run_id, outlet, url, canonical_url,
    CASE WHEN verdict = 'article' THEN left(sha256(canonical_url), 16) END AS article_id,
    verdict, reason, http_status, extractor, extractor_version, fetched_at
FROM read_parquet($path);
