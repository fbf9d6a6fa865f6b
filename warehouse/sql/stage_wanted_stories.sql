-- The rows of every story the regrouped articles belonged to or belong to now. A story is named
-- after its first article (story_id = first_article_id, chosen in transforms.story).
CREATE OR REPLACE TEMP TABLE wanted_stories AS
WITH touched AS (
    SELECT story_id FROM story_map UNION SELECT old_story_id FROM story_map
)
SELECT
    story_id,
    story_id AS first_article_id,
    any_value(coalesce(published_at, first_seen)) FILTER (WHERE article_id = story_id)
        AS first_published_at,
    count(*) AS article_count,
    count(DISTINCT outlet) AS outlet_count
FROM articles
WHERE story_id IN (SELECT story_id FROM touched)
GROUP BY story_id;
