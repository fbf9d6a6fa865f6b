DELETE FROM signature_bands WHERE article_id IN (SELECT article_id FROM story_changes);
