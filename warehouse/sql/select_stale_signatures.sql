-- Signatures taken from a fetch of the reloaded run that the reload no longer holds.
SELECT a.article_id, a.text, a.run_id
FROM article_signatures AS s
JOIN articles AS a ON a.article_id = s.article_id
WHERE s.run_id = $run_id
    AND a.article_id NOT IN (
        SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
    );
