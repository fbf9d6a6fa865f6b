-- The latest finished runs of one flow before a given run, newest first: the quality history.
SELECT run_id, status, started_at, counts
FROM crawl_runs
WHERE flow = $flow
    AND run_id <> $run_id
    AND finished_at IS NOT NULL
    AND counts IS NOT NULL
ORDER BY started_at DESC
LIMIT $limit;
