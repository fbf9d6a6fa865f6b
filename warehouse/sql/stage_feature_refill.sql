-- The story_features rows of days [$first, $last] stored before migration 0020, with the
-- columns it added (articles.outlet, the publication time, the stored signature).
CREATE OR REPLACE TEMP TABLE story_refill AS
WITH f AS (
    SELECT * EXCLUDE (outlet, published, minhash)
    FROM story_features
    WHERE day BETWEEN $first AND $last AND outlet IS NULL
)
SELECT f.*, a.outlet, coalesce(a.published_at, a.first_seen) AS published, s.minhash
FROM f
JOIN articles AS a ON a.article_id = f.article_id
LEFT JOIN article_signatures AS s ON s.article_id = f.article_id;
