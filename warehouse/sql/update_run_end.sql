UPDATE crawl_runs
SET finished_at = current_timestamp, status = $status, counts = CAST($counts AS JSON)
WHERE run_id = $run_id
RETURNING run_id;
