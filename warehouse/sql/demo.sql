-- What the demo shows a new user (warehouse.examples): the latest run, one everyday query.

-- name: select_latest_run
-- The most recent run that reached the end (its report is what the demo prints).
SELECT run_id, status, started_at, finished_at
FROM crawl_runs
WHERE finished_at IS NOT NULL
ORDER BY started_at DESC
LIMIT 1;

-- name: example_articles_per_outlet
-- Articles per outlet: how many, how many reproduce another outlet's article, and the newest.
SELECT
    outlet,
    count(*) AS articles,
    count(duplicate_of) AS copies,
    max(published_date) AS newest
FROM articles
GROUP BY outlet
ORDER BY articles DESC;
