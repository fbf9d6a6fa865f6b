-- The most recent run that reached the end (its report is what the demo prints).
SELECT run_id, status, started_at, finished_at
FROM crawl_runs
WHERE finished_at IS NOT NULL
ORDER BY started_at DESC
LIMIT 1;
