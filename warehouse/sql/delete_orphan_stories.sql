-- Stories whose every article was deleted by a reload (their ids were in no story_map row).
-- The story ids still in use are looked up among the changed ids only: a NOT IN over every
-- stored story id hashed all of them each night.
DELETE FROM stories
WHERE story_id IN (
    SELECT article_id FROM story_changes
    EXCEPT
    SELECT story_id FROM articles WHERE story_id IN (SELECT article_id FROM story_changes)
);
