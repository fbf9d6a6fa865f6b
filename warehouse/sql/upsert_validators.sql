-- MERGE, not ON CONFLICT: a DuckLake table has no key to conflict on (warehouse.lake).
MERGE INTO http_validators AS v
USING validator_rows AS s
ON v.outlet = s.outlet AND v.url = s.url
WHEN MATCHED AND s.fetched_at >= v.fetched_at THEN UPDATE SET
    etag = s.etag,
    last_modified = s.last_modified,
    fetched_at = s.fetched_at,
    run_id = s.run_id
WHEN NOT MATCHED THEN INSERT (outlet, url, etag, last_modified, fetched_at, run_id)
    VALUES (s.outlet, s.url, s.etag, s.last_modified, s.fetched_at, s.run_id);
