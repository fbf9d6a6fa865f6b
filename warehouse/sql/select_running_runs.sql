-- Runs recorded as started and never closed: still running, or killed (then abandoned).
SELECT run_id, flow, parameters, started_at
FROM crawl_runs
WHERE status = 'running'
ORDER BY started_at;
