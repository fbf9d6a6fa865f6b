INSERT INTO pages BY NAME
SELECT run_id, outlet, url, final_url, status, headers, body, content_sha256, fetched_at, sources
FROM staged_pages;
