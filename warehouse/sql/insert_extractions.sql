INSERT INTO extractions BY NAME
SELECT run_id, outlet, url, canonical_url, article_id, verdict, reason, http_status, extractor,
    extractor_version, fetched_at
FROM staged_rows;
