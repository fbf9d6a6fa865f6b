-- The timeline of the story most outlets carried: who was first, who followed, who copied whom.
SELECT role, outlet, appeared_at, pickup_delay_minutes, copy_of_outlet, title
FROM story_timeline
WHERE story_id = (
    SELECT story_id FROM stories ORDER BY outlet_count DESC, article_count DESC,
        first_published_at DESC LIMIT 1
)
ORDER BY appeared_at, outlet;
