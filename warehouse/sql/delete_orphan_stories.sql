-- Stories whose every article was deleted by a reload (their ids were in no story_map row).
DELETE FROM stories
WHERE story_id IN (SELECT article_id FROM story_changes)
    AND story_id NOT IN (SELECT story_id FROM articles WHERE story_id IS NOT NULL);
