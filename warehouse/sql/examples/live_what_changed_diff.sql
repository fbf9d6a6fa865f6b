-- "What changed" as a readable diff: the latest edited article, one sentence a line.
-- Note: `-` lines are sentences of the previous version, `+` lines of the new one, the rest
-- context; `removed` and `added` (the query above) list the same sentences. The demo's frozen
-- snapshot never changes, so this gives no rows there; on live outlets it shows the latest
-- correction.
SELECT unnest(string_split(diff, chr(10))) AS diff_line
FROM (SELECT diff FROM article_changes ORDER BY seen_at DESC, article_id LIMIT 1);
