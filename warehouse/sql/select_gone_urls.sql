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
