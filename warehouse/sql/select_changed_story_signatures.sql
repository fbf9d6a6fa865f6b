-- The changed articles' MinHash signatures and publication days (one slice), for their LSH keys.
SELECT f.article_id, f.day, s.minhash
FROM story_features AS f
JOIN story_changes AS c ON c.article_id = f.article_id
JOIN article_signatures AS s ON s.article_id = f.article_id
WHERE hash(f.article_id) % $parts = $part;
