INSERT INTO story_keys (article_id, day, key, band)
SELECT article_id, day, unnest(story.keys), false
FROM parquet_story;
