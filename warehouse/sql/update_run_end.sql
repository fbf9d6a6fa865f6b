-- No RETURNING: DuckLake does not support it on UPDATE; select_run_started checks first.
UPDATE crawl_runs
SET finished_at = current_timestamp, status = $status, counts = CAST($counts AS JSON)
WHERE run_id = $run_id;
