-- A run loaded out of order may hold an article's earliest sighting.
UPDATE articles SET first_seen = s.fetched_at
FROM staged_articles($path) AS s
WHERE articles.article_id = s.article_id AND s.fetched_at < articles.first_seen;
