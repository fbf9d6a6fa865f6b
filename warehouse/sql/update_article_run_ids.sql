-- articles.run_id is the run of the article's latest version (the run that last changed its
-- title or text), for the articles the load touched: after delete_repeated_versions, a version
-- deleted as a repeat no longer names the run that changed the article.
UPDATE articles SET run_id = l.run_id
FROM (
    SELECT article_id, last(run_id ORDER BY seen_at, run_id) AS run_id
    FROM article_versions
    WHERE article_id IN (SELECT article_id FROM changed_articles)
    GROUP BY article_id
) AS l
WHERE articles.article_id = l.article_id AND articles.run_id IS DISTINCT FROM l.run_id;
