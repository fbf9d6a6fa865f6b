-- The run's pages from its pages.parquet when every URL in it was fetched once (bodies already
-- compressed by the extraction workers); insert_run_pages.sql otherwise.
INSERT INTO pages BY NAME
SELECT run_id, outlet, url, final_url, status, headers, body, content_sha256, fetched_at, sources
FROM read_parquet($path);
