-- Every story as the articles now stand. A story is named after its first article (story_id =
-- first_article_id, chosen in stories.py), which is one of its members.
CREATE OR REPLACE TEMP TABLE wanted_stories AS
SELECT
    story_id,
    story_id AS first_article_id,
    any_value(coalesce(published_at, first_seen)) FILTER (WHERE article_id = story_id)
        AS first_published_at,
    count(*) AS article_count,
    count(DISTINCT outlet) AS outlet_count
FROM articles
GROUP BY story_id;
