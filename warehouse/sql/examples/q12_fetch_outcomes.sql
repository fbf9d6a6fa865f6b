-- What the latest night's requests got, per outlet: HTTP status, or the error and its status.
-- Note: 304 is a feed or sitemap unchanged since the night before (nothing to read again).
SELECT
    outlet,
    coalesce(error || coalesce(' (HTTP ' || status || ')', ''), 'HTTP ' || status) AS outcome,
    count(*) AS fetches
FROM fetches
WHERE run_id = (SELECT run_id FROM crawl_runs WHERE flow = 'nightly' ORDER BY started_at DESC
                LIMIT 1)
GROUP BY ALL
ORDER BY outlet, fetches DESC, outcome;
