-- Reading a run folder's files before and while it is loaded: the run ids and outlets of
-- its parquet files (warehouse.runfolder.check_run_folder, warehouse.load), its raw pages
-- (warehouse.rawpages, when pages.parquet is missing or stale).

-- name: select_parquet_run_ids
SELECT DISTINCT run_id FROM read_parquet($path) ORDER BY run_id;

-- name: select_parquet_outlets
SELECT DISTINCT outlet FROM read_parquet($path) WHERE outlet IS NOT NULL;

-- name: select_raw_pages
-- The run's raw page files, streamed (a URL fetched twice keeps its last fetch: load.py).
SELECT run_id, outlet, url, final_url, status, headers, from_base64(body_b64) AS body, fetched_at,
    sources, filename
FROM read_json(
    $paths,
    format = 'newline_delimited',
    compression = 'gzip',
    filename = true,
    columns = {
        run_id: 'VARCHAR', outlet: 'VARCHAR', url: 'VARCHAR', final_url: 'VARCHAR',
        status: 'INTEGER', headers: 'JSON', body_b64: 'VARCHAR', fetched_at: 'TIMESTAMPTZ',
        sources: 'VARCHAR[]'
    }
);
