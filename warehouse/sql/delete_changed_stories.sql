-- Story rows of the touched stories that are gone or differ from wanted_stories (a night leaves
-- most of a large warehouse's stories untouched, and never reads them).
DELETE FROM stories
WHERE story_id IN (SELECT story_id FROM story_map UNION SELECT old_story_id FROM story_map)
    AND NOT EXISTS (
        SELECT 1
        FROM wanted_stories AS w
        WHERE w.story_id = stories.story_id
            AND w.first_published_at IS NOT DISTINCT FROM stories.first_published_at
            AND w.article_count = stories.article_count
            AND w.outlet_count = stories.outlet_count
    );
