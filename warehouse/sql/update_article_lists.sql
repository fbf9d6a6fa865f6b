-- Merge on article_id, part 1c: the list columns of the stored articles update_articles.sql just
-- took a fetch for, where they differ (a list update rewrites the whole row in DuckDB).
UPDATE articles SET authors = s.authors, categories = s.categories, tags = s.tags
FROM staged_articles($path) AS s
WHERE s.stored
    AND articles.article_id = s.article_id
    AND s.fetched_at = articles.last_seen
    AND (
        articles.authors IS DISTINCT FROM s.authors
        OR articles.categories IS DISTINCT FROM s.categories
        OR articles.tags IS DISTINCT FROM s.tags
    );
