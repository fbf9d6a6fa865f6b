-- Every extracted page of the run, with its article_id (khabar.urls.article_id).
INSERT INTO extractions BY NAME
SELECT run_id, outlet, url, canonical_url,
    CASE WHEN verdict = 'article' THEN article_id(canonical_url) END AS article_id,
    verdict, reason, http_status, extractor, extractor_version, fetched_at
FROM read_parquet($path);
