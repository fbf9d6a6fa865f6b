-- Stored articles due for a recheck (warehouse.rechecks).

-- name: select_due_rechecks
-- Stored articles of $outlet due for a re-check at $now (edits after publication): published
-- (else first seen) at least $marks[i] hours ago, and neither fetched nor re-checked (a 200 or
-- a 304 in fetches) since that mark; the last mark passed counts. Articles older than $horizon
-- hours are never due, so the scan is bounded. Earliest mark first, newest first, at most
-- $limit, with the validators of our latest fetch of the page.
WITH recent AS (
    SELECT article_id, canonical_url, coalesce(published_at, first_seen) AS published,
        last_seen
    FROM articles
    WHERE outlet = $outlet
        AND coalesce(published_at, first_seen) >= $now - to_hours($horizon)
),
checked AS (
    SELECT f.url, max(f.fetched_at) AS checked_at
    FROM fetches AS f
    JOIN recent AS r ON r.canonical_url = f.url
    WHERE f.outlet = $outlet AND f.status IN (200, 304)
    GROUP BY f.url
),
due AS (
    SELECT r.canonical_url AS url, r.published, m.mark
    FROM recent AS r
    CROSS JOIN (SELECT unnest($marks) AS mark) AS m
    LEFT JOIN checked AS c ON c.url = r.canonical_url
    WHERE r.published + to_hours(m.mark) <= $now
        AND greatest(r.last_seen, coalesce(c.checked_at, r.last_seen))
            < r.published + to_hours(m.mark)
    QUALIFY row_number() OVER (PARTITION BY r.canonical_url ORDER BY m.mark DESC) = 1
),
chosen AS (
    SELECT url, published, mark FROM due ORDER BY mark, published DESC, url LIMIT $limit
),
validators AS (
    SELECT p.url, arg_max(p.headers, p.fetched_at) AS headers
    FROM pages AS p
    JOIN chosen AS c ON c.url = p.url
    WHERE p.outlet = $outlet AND p.status = 200
    GROUP BY p.url
)
SELECT c.url, c.mark, v.headers ->> 'etag' AS etag, v.headers ->> 'last-modified' AS last_modified
FROM chosen AS c
LEFT JOIN validators AS v ON v.url = c.url
ORDER BY c.mark, c.published DESC, c.url;
