-- Each later version of the changed articles that have one, with the version before it.
SELECT article_id, version, seen_at, title_before, title, text_before, text
FROM (
    SELECT
        v.article_id,
        v.version,
        v.seen_at,
        lag(v.title) OVER w AS title_before,
        v.title,
        lag(v.text) OVER w AS text_before,
        v.text
    FROM article_versions AS v
    JOIN story_versioned AS c ON c.article_id = v.article_id
    WINDOW w AS (PARTITION BY v.article_id ORDER BY v.version)
)
WHERE version > 1;
