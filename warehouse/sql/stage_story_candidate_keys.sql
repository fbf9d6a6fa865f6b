-- The changed articles' keys for days [$first, $last] that are worth a join: keys held by more
-- than $hot_share of the searched days' articles (and more than $hot_min) are left out
-- (transforms/story.py, HOT_KEY_SHARE, says why).
CREATE OR REPLACE TEMP TABLE candidate_keys AS
WITH changed AS (
    SELECT k.article_id, k.day, k.key, k.band
    FROM story_keys AS k
    JOIN story_changes AS c ON c.article_id = k.article_id
    WHERE k.day BETWEEN $first AND $last
),
hot AS (
    SELECT key
    FROM story_keys
    WHERE day BETWEEN $first - $window AND $last + $window
        AND key IN (SELECT key FROM changed)
    GROUP BY key
    HAVING count(*) > greatest($hot_min, $hot_share * (
        SELECT count(*) FROM story_features
        WHERE day BETWEEN $first - $window AND $last + $window
    ))
)
SELECT * FROM changed WHERE key NOT IN (SELECT key FROM hot);
