-- The runs table: a flow run's start and end (warehouse.load.record_run_start/end), runs
-- left running by a dead process (warehouse.retries.running_runs, mark_abandoned), and what
-- monitoring reads of past runs (warehouse.monitoring).

-- name: insert_run_start
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

-- name: select_run_started
SELECT count(*) > 0 FROM crawl_runs WHERE run_id = $run_id;

-- name: update_run_end
-- No RETURNING: DuckLake does not support it on UPDATE; select_run_started checks first.
UPDATE crawl_runs
SET finished_at = current_timestamp, status = $status, counts = CAST($counts AS JSON)
WHERE run_id = $run_id;

-- name: select_running_runs
-- Runs recorded as started and never closed: still running, or killed (then abandoned).
SELECT run_id, flow, parameters, started_at
FROM crawl_runs
WHERE status = 'running'
ORDER BY started_at;

-- name: select_recent_runs
-- The latest finished runs of one flow before a given run, newest first: the quality history.
SELECT run_id, status, started_at, counts
FROM crawl_runs
WHERE flow = $flow
    AND run_id <> $run_id
    AND finished_at IS NOT NULL
    AND counts IS NOT NULL
ORDER BY started_at DESC
LIMIT $limit;

-- name: select_run_statuses
-- The status of each listed run the warehouse knows (retention deletes only known, closed runs).
SELECT run_id, status
FROM crawl_runs
WHERE list_contains(CAST($run_ids AS VARCHAR[]), run_id);

-- name: select_run_median_words
-- Median word count per outlet of the articles one run extracted (the quality checks' length).
SELECT e.outlet, CAST(median(a.word_count) AS DOUBLE) AS median_words, count(*) AS articles
FROM extractions AS e
JOIN articles AS a ON a.article_id = e.article_id
WHERE e.run_id = $run_id AND e.verdict = 'article'
GROUP BY e.outlet
ORDER BY e.outlet;
