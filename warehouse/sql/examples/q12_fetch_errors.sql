-- Failed fetches of the latest run, by outlet and cause (HTTP status or exception).
SELECT outlet, coalesce(error, 'HTTP ' || status) AS cause, count(*) AS fetches
FROM fetches
WHERE run_id = (SELECT max(run_id) FROM crawl_runs)
    AND (error IS NOT NULL OR status >= 400)
GROUP BY ALL
ORDER BY fetches DESC;
