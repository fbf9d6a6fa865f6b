-- "What changed" as a readable diff: the latest edited article, one sentence a line.
-- Note: `-` lines are sentences of the previous version, `+` lines of the new one, the rest
-- context; `removed` and `added` (question 7) list the same sentences.
SELECT unnest(string_split(diff, chr(10))) AS diff_line
FROM (SELECT diff FROM article_changes ORDER BY seen_at DESC, article_id LIMIT 1);
