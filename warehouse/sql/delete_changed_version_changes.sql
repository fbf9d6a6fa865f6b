DELETE FROM version_changes WHERE article_id IN (SELECT article_id FROM story_changes);
