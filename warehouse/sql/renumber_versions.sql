-- Versions numbered 1, 2, ... by time seen, for the articles the load changed.
UPDATE article_versions SET version = r.version
FROM (
    SELECT article_id, run_id,
        row_number() OVER (PARTITION BY article_id ORDER BY seen_at, run_id) AS version
    FROM article_versions
    WHERE article_id IN (SELECT article_id FROM changed_articles)
) AS r
WHERE article_versions.article_id = r.article_id
    AND article_versions.run_id = r.run_id
    AND article_versions.version <> r.version;
