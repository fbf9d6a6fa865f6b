-- Recomputes duplicate_of for every article from the table as it now stands (so the result does
-- not depend on load order): an aggregator copy points at the stored article its original_url
-- names; otherwise an article whose normalised text equals an earlier one from another outlet
-- points at the earliest (by published_at, else first_seen) holder of that text. A page that
-- declares itself a copy (original_url set) never counts as the first holder: aggregators date
-- their copy at midnight of the original's day, which would sort it before the original.
UPDATE articles SET duplicate_of = d.duplicate_of
FROM (
    WITH firsts AS (
        SELECT
            article_id,
            first_value(article_id) OVER w AS first_id,
            first_value(outlet) OVER w AS first_outlet
        FROM articles
        WHERE content_hash IS NOT NULL AND content_hash <> ''
        WINDOW w AS (
            PARTITION BY content_hash
            ORDER BY
                original_url IS NOT NULL, coalesce(published_at, first_seen), first_seen, article_id
        )
    ),
    originals AS (
        SELECT c.article_id, min(o.article_id) AS original_id
        FROM articles AS c
        JOIN (
            SELECT article_id, canonical_url AS address FROM articles
            UNION
            SELECT article_id, url FROM articles
        ) AS o ON o.address = c.original_url AND o.article_id <> c.article_id
        GROUP BY c.article_id
    )
    SELECT
        a.article_id,
        coalesce(g.original_id, CASE WHEN f.first_outlet <> a.outlet THEN f.first_id END)
            AS duplicate_of
    FROM articles AS a
    LEFT JOIN firsts AS f ON f.article_id = a.article_id
    LEFT JOIN originals AS g ON g.article_id = a.article_id
) AS d
WHERE articles.article_id = d.article_id
    AND articles.duplicate_of IS DISTINCT FROM d.duplicate_of;
