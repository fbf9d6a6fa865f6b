-- What changed in articles after publication: every later version against the one before it.
-- Note: the demo's snapshot is frozen, so its articles never change and this query returns no
-- rows there; on live outlets each row is a correction or an update an outlet made.
SELECT
    article_id,
    version,
    seen_at,
    title IS DISTINCT FROM lag(title) OVER w AS title_changed,
    len(text) - lag(len(text)) OVER w AS chars_added,
    title
FROM article_versions
WINDOW w AS (PARTITION BY article_id ORDER BY version)
QUALIFY version > 1
ORDER BY seen_at DESC;
