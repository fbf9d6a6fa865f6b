INSERT INTO story_features (article_id, day, language, title, lead, names, numbers, shingles)
SELECT article_id, day, language, story.title, story.lead, story.names, story.numbers,
    story.shingles
FROM parquet_story;
