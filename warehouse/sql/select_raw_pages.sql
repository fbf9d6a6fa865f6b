-- One raw page file; a URL fetched twice in a run keeps its last fetch (pages is unique on it).
SELECT run_id, outlet, url, final_url, status, headers, from_base64(body_b64) AS body, fetched_at,
    sources
FROM read_json(
    $path,
    format = 'newline_delimited',
    compression = 'gzip',
    columns = {
        run_id: 'VARCHAR', outlet: 'VARCHAR', url: 'VARCHAR', final_url: 'VARCHAR',
        status: 'INTEGER', headers: 'JSON', body_b64: 'VARCHAR', fetched_at: 'TIMESTAMPTZ',
        sources: 'VARCHAR[]'
    }
)
QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) = 1;
