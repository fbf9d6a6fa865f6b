-- Merge on article_id, part 1b: the text of the stored articles update_articles.sql just took a
-- fetch for (their last_seen is now that fetch's time), where it differs. A re-fetch or a
-- re-extraction mostly finds the same text, and rewriting it would cost as much as the rest.
UPDATE articles SET text = s.text
FROM staged_articles($path) AS s
WHERE s.stored
    AND articles.article_id = s.article_id
    AND s.fetched_at = articles.last_seen
    AND articles.text IS DISTINCT FROM s.text;
