INSERT INTO stories (story_id, first_article_id, first_published_at, article_count, outlet_count)
SELECT story_id, first_article_id, first_published_at, article_count, outlet_count
FROM wanted_stories
WHERE story_id NOT IN (SELECT story_id FROM stories);
