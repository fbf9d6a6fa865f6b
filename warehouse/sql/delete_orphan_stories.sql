-- Stories whose every article was deleted by a reload (their ids were in no story_map row).
-- The story ids still in use among the changed ids are those story_map gives: an article holding
-- one is a member of that story, so it is in story_map (a NOT IN over every stored story id, or
-- a scan of articles' story_id, read every stored article each night).
DELETE FROM stories
WHERE story_id IN (
    SELECT article_id FROM story_changes
    EXCEPT
    SELECT story_id FROM story_map
);
