INSERT INTO http_validators (outlet, url, etag, last_modified, fetched_at, run_id)
SELECT outlet, url, etag, last_modified, fetched_at, run_id FROM validator_rows
ON CONFLICT (outlet, url) DO UPDATE SET
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    fetched_at = excluded.fetched_at,
    run_id = excluded.run_id
WHERE excluded.fetched_at >= http_validators.fetched_at;
