-- The rows of every story the regrouped articles belong to now. A story is named after its first
-- article (story_id = first_article_id, chosen in transforms.story). Read from story_map and
-- story_members, not articles: every article of these stories is a member (story_members takes
-- whole stories), and a story the members left that no article holds has no row here, so
-- delete_changed_stories removes it.
CREATE OR REPLACE TEMP TABLE wanted_stories AS
SELECT
    m.story_id,
    m.story_id AS first_article_id,
    any_value(coalesce(a.published_at, a.first_seen)) FILTER (WHERE a.article_id = m.story_id)
        AS first_published_at,
    count(*) AS article_count,
    count(DISTINCT a.outlet) AS outlet_count
FROM story_map AS m
JOIN story_members AS a ON a.article_id = m.article_id
GROUP BY m.story_id;
