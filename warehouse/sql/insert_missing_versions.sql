-- An article left with no version (the reloaded run held its only one, and later runs saw the
-- same content, so they wrote none) gets one from its earliest remaining fetch: the content it
-- holds is the content those runs saw.
INSERT INTO article_versions (article_id, version, title, text, content_hash, seen_at, run_id)
SELECT a.article_id, 0, a.title, a.text, a.content_hash, e.seen_at, e.run_id
FROM articles AS a
JOIN (
    SELECT article_id, min(fetched_at) AS seen_at, arg_min(run_id, fetched_at) AS run_id
    FROM extractions
    WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    GROUP BY article_id
) AS e ON e.article_id = a.article_id
WHERE a.article_id NOT IN (SELECT article_id FROM article_versions);
