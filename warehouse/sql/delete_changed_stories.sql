-- Story rows that are gone or differ from wanted_stories (most of a large warehouse's stories
-- are untouched by a night, and are left as they are).
DELETE FROM stories
WHERE NOT EXISTS (
    SELECT 1
    FROM wanted_stories AS w
    WHERE w.story_id = stories.story_id
        AND w.first_published_at IS NOT DISTINCT FROM stories.first_published_at
        AND w.article_count = stories.article_count
        AND w.outlet_count = stories.outlet_count
);
