INSERT INTO story_keys (article_id, day, key, band)
SELECT p.article_id, s.day, unnest(p.story.keys), false
FROM parquet_story AS p
JOIN story_sources AS s ON s.article_id = p.article_id
ORDER BY s.day, p.article_id;
