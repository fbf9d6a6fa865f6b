-- A version for each staged article whose title or text differs from its version just before
-- (by time seen); version numbers are assigned afterwards by renumber_versions.
INSERT INTO article_versions (article_id, version, title, text, content_hash, seen_at, run_id)
SELECT s.article_id, 0, s.title, s.text, s.content_hash, s.fetched_at, s.run_id
FROM staged_articles($path) AS s
LEFT JOIN (
    SELECT
        s2.article_id,
        arg_max({'title': v.title, 'content_hash': v.content_hash}, v.seen_at) AS prev
    FROM staged_articles($path) AS s2
    JOIN article_versions AS v ON v.article_id = s2.article_id AND v.seen_at <= s2.fetched_at
    WHERE s2.stored  -- only a stored article has versions
    GROUP BY s2.article_id
) AS p ON p.article_id = s.article_id
WHERE p.prev IS NULL
    OR p.prev.title IS DISTINCT FROM s.title
    OR p.prev.content_hash IS DISTINCT FROM s.content_hash;
