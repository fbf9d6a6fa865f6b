-- An article only the reloaded run had seen, and that the reload no longer holds, goes entirely.
DELETE FROM articles
WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    AND article_id NOT IN (
        SELECT article_id FROM extractions WHERE article_id IS NOT NULL
    );
