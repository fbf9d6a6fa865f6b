DELETE FROM article_signatures
WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    AND article_id NOT IN (SELECT article_id FROM articles);
