CREATE OR REPLACE TEMP TABLE staged_fetches AS
SELECT run_id, outlet, url, status, error, bytes, duration_ms, fetched_at
FROM read_json(
    $paths,
    format = 'newline_delimited',
    compression = 'gzip',
    columns = {
        run_id: 'VARCHAR', outlet: 'VARCHAR', url: 'VARCHAR', status: 'INTEGER',
        error: 'VARCHAR', bytes: 'BIGINT', duration_ms: 'DOUBLE', fetched_at: 'TIMESTAMPTZ'
    }
);
