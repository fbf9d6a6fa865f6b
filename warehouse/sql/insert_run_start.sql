-- MERGE, not ON CONFLICT: a DuckLake table has no key to conflict on (warehouse.lake).
MERGE INTO crawl_runs AS r
USING (SELECT $run_id AS run_id, $flow AS flow, CAST($parameters AS JSON) AS parameters) AS s
ON r.run_id = s.run_id
WHEN MATCHED THEN UPDATE SET
    flow = s.flow,
    parameters = s.parameters,
    started_at = current_timestamp,
    finished_at = NULL,
    status = 'running',
    counts = NULL
WHEN NOT MATCHED THEN INSERT (run_id, flow, parameters, started_at, status)
    VALUES (s.run_id, s.flow, s.parameters, current_timestamp, 'running');
