-- Signatures taken from a fetch of the reloaded run that the reload no longer holds (so among
-- the articles the run held before).
SELECT a.article_id, a.text, a.run_id
FROM article_signatures AS s
JOIN articles AS a ON a.article_id = s.article_id
WHERE s.run_id = $run_id
    AND s.article_id IN (SELECT article_id FROM previous_run_articles)
    AND a.article_id NOT IN (
        SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
    );
