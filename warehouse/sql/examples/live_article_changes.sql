-- What changed in articles after publication: each later version, sentence by sentence.
-- Note: the demo's snapshot is frozen, so its articles never change and this query returns no
-- rows there; on live outlets each row is a correction or an update an outlet made.
SELECT outlet, version, seen_at, title_changed, removed, added
FROM article_changes
ORDER BY seen_at DESC, article_id;
