INSERT INTO crawl_runs (run_id, flow, parameters, started_at, status)
VALUES ($run_id, $flow, CAST($parameters AS JSON), current_timestamp, 'running')
ON CONFLICT (run_id) DO UPDATE SET
    flow = excluded.flow,
    parameters = excluded.parameters,
    started_at = excluded.started_at,
    finished_at = NULL,
    status = 'running',
    counts = NULL;
