-- The status of each listed run the warehouse knows (retention deletes only known, closed runs).
SELECT run_id, status
FROM crawl_runs
WHERE list_contains(CAST($run_ids AS VARCHAR[]), run_id);
