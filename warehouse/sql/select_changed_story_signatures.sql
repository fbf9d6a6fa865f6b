-- The changed articles' MinHash signatures and publication days (one slice), for their LSH keys.
-- The signatures are cut down to the changed articles first (a semi-join on the short list).
WITH s AS (
    SELECT article_id, minhash FROM article_signatures
    WHERE article_id IN (SELECT article_id FROM story_changes)
)
SELECT f.article_id, f.day, s.minhash
FROM story_features AS f
JOIN story_changes AS c ON c.article_id = f.article_id
JOIN s ON s.article_id = f.article_id
WHERE hash(f.article_id) % $parts = $part;
