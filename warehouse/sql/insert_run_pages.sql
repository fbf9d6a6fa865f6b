-- The run's pages from its pages.parquet (rows in raw file order, bodies already compressed by
-- the extraction workers): a URL fetched twice in the run keeps its latest fetch, ties the later
-- line, a missing fetched_at counting as the oldest (as warehouse/rawpages.py latest_fetches).
-- The winners are chosen on the narrow columns first, so that no body waits in a window.
INSERT INTO pages BY NAME
SELECT run_id, outlet, url, final_url, status, headers, body, content_sha256, fetched_at, sources
FROM read_parquet($path, file_row_number = true)
WHERE file_row_number IN (
    SELECT file_row_number
    FROM read_parquet($path, file_row_number = true)
    QUALIFY row_number() OVER (
        PARTITION BY url ORDER BY fetched_at DESC NULLS LAST, file_row_number DESC
    ) = 1
);
