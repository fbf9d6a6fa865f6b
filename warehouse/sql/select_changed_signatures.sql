-- One of $parts slices of the changed signatures (a full rebuild bands them a slice at a time).
SELECT s.article_id, s.minhash
FROM article_signatures AS s
JOIN story_changes AS c ON c.article_id = s.article_id
WHERE hash(s.article_id) % $parts = $part;
