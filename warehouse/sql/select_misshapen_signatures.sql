-- Signatures the index cannot band: made with another number of permutations.
SELECT s.article_id, len(s.minhash) AS length
FROM article_signatures AS s
JOIN story_changes AS c ON c.article_id = s.article_id
WHERE len(s.minhash) <> $num_perm
LIMIT 1;
