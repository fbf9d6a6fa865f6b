-- An article outside every group is its own story.
UPDATE articles SET story_id = article_id
WHERE story_id IS DISTINCT FROM article_id
    AND article_id NOT IN (SELECT article_id FROM story_map);
