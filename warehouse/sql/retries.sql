-- What the next crawl retries and gives up on (warehouse.retries, khabar.retry's policy).

-- name: select_failed_fetches
-- URLs of one outlet whose latest outcomes are failures, for the next night's retry file.
-- A failure is a fetch that gave no usable page for a reason that may pass (5xx, 429, a timeout,
-- a reset, a truncated body, an unparseable feed...) or a page extracted as `error` or
-- `blocked` (a bot challenge). Permanent refusals (robots.txt, offsite redirect, a 404) are
-- neither failures nor successes. `attempts` counts the runs that failed since the URL's last
-- success; URLs of stored articles are left out (they are done).
WITH
bad_pages AS (
    SELECT run_id, url, any_value(verdict) AS verdict
    FROM extractions
    WHERE outlet = $outlet AND verdict IN ('error', 'blocked')
    GROUP BY run_id, url
),
outcomes AS (
    SELECT
        f.run_id,
        f.url,
        CASE
            WHEN b.url IS NOT NULL THEN 'failed'
            WHEN f.error IS NULL AND coalesce(f.status, 0) < 400 THEN 'ok'
            WHEN list_contains(CAST($permanent_errors AS VARCHAR[]), f.error) THEN 'permanent'
            WHEN f.status BETWEEN 400 AND 499
                AND NOT list_contains(CAST($transient_statuses AS INTEGER[]), f.status)
                THEN 'permanent'
            ELSE 'failed'
        END AS outcome,
        CASE
            WHEN b.url IS NOT NULL THEN 'verdict ' || b.verdict
            ELSE concat_ws(' ', f.error, CAST(f.status AS VARCHAR))
        END AS error
    FROM fetches AS f
    LEFT JOIN bad_pages AS b ON b.run_id = f.run_id AND b.url = f.url
    WHERE f.outlet = $outlet
),
last_ok AS (
    SELECT url, max(run_id) AS run_id FROM outcomes WHERE outcome = 'ok' GROUP BY url
),
failures AS (
    SELECT
        o.url,
        count(DISTINCT o.run_id) AS attempts,
        max(o.run_id) AS last_run_id,
        arg_max(o.error, o.run_id) AS last_error
    FROM outcomes AS o
    LEFT JOIN last_ok AS k ON k.url = o.url
    WHERE o.outcome = 'failed' AND (k.run_id IS NULL OR o.run_id > k.run_id)
    GROUP BY o.url
),
stored AS (
    SELECT canonical_url AS url FROM articles WHERE outlet = $outlet
    UNION
    SELECT url FROM articles WHERE outlet = $outlet
)
SELECT
    f.url,
    f.attempts,
    f.last_error,
    f.last_run_id,
    f.last_run_id = (SELECT max(run_id) FROM fetches WHERE outlet = $outlet) AS in_latest_run
FROM failures AS f
WHERE f.url NOT IN (SELECT url FROM stored)
ORDER BY f.url;

-- name: select_gone_urls
-- URLs of one outlet whose latest fetch answered 404 Not Found or 410 Gone less than
-- $recheck_days days ago: the next crawls do not ask for them again (a feed or listing that
-- still links a deleted page would otherwise cost a request every night, for ever). Once that
-- answer is older than $recheck_days the URL is asked once more; another 404 starts again.
WITH gone AS (
    SELECT DISTINCT url
    FROM fetches
    WHERE outlet = $outlet
        AND status IN (404, 410)
        AND fetched_at >= now() - to_days(CAST($recheck_days AS INTEGER))
)
SELECT f.url
FROM fetches AS f
JOIN gone AS g ON g.url = f.url
WHERE f.outlet = $outlet
GROUP BY f.url
HAVING arg_max(f.status, f.fetched_at) IN (404, 410)
ORDER BY f.url;
