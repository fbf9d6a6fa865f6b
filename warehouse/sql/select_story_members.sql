SELECT article_id, coalesce(published_at, first_seen) AS published, duplicate_of
FROM articles
ORDER BY article_id;
