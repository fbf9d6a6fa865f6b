DELETE FROM story_links
WHERE article_id IN (SELECT article_id FROM story_changes)
    OR other_id IN (SELECT article_id FROM story_changes);
