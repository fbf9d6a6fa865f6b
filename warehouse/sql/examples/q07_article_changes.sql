-- What changed in articles after publication: each later version, sentence by sentence.
SELECT outlet, version, seen_at, title_changed, removed, added
FROM article_changes
ORDER BY seen_at DESC, article_id;
