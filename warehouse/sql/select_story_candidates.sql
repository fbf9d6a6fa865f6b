-- Candidate pairs for the changed articles published on days [$first, $last]: another article
-- within $window days that shares one LSH bucket, or $min_keys entity keys (names, figures,
-- title words). Keys held by more than $hot_share of the searched days' articles (and more than
-- $hot_min) are skipped (transforms/story.py, HOT_KEY_SHARE, says why).
-- The constant day range on s lets DuckDB skip other days' row groups.
WITH mine AS (
    SELECT k.article_id, k.day, k.key, k.band
    FROM story_keys AS k
    JOIN story_changes AS c ON c.article_id = k.article_id
    WHERE k.day BETWEEN $first AND $last
),
hot AS (
    SELECT s.key
    FROM story_keys AS s
    WHERE s.day BETWEEN $first - $window AND $last + $window
        AND s.key IN (SELECT key FROM mine)
    GROUP BY s.key
    HAVING count(*) > greatest($hot_min, $hot_share * (
        SELECT count(*) FROM story_features
        WHERE day BETWEEN $first - $window AND $last + $window
    ))
)
SELECT least(m.article_id, s.article_id) AS article_id,
    greatest(m.article_id, s.article_id) AS other_id
FROM mine AS m
JOIN story_keys AS s
    ON s.key = m.key AND s.day BETWEEN m.day - $window AND m.day + $window
WHERE s.day BETWEEN $first - $window AND $last + $window
    AND s.article_id <> m.article_id
    AND m.key NOT IN (SELECT key FROM hot)
GROUP BY ALL
HAVING bool_or(m.band) OR count(DISTINCT m.key) FILTER (WHERE NOT m.band) >= $min_keys;
