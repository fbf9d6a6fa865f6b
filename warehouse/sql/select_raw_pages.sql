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
