DELETE FROM story_features WHERE article_id IN (SELECT article_id FROM story_changes);
