-- A version that repeats the one before it (same title and text, by time seen) is no change.
-- It comes from runs loaded out of fetch order (two nights at once: the later night's load ran
-- first, then the earlier night's fetch became the first version): deleted, for the articles
-- the load touched, so their versions are those of a load in fetch order.
DELETE FROM article_versions AS v
USING (
    SELECT article_id, run_id
    FROM (
        SELECT
            article_id,
            run_id,
            title IS NOT DISTINCT FROM lag(title) OVER w
                AND content_hash IS NOT DISTINCT FROM lag(content_hash) OVER w
                AND row_number() OVER w > 1 AS repeated
        FROM article_versions
        WHERE article_id IN (SELECT article_id FROM changed_articles)
        WINDOW w AS (PARTITION BY article_id ORDER BY seen_at, run_id)
    )
    WHERE repeated
) AS r
WHERE v.article_id = r.article_id AND v.run_id = r.run_id;
