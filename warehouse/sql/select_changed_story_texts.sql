-- What the features of the changed articles that still exist are made of (one slice of them).
SELECT
    a.article_id,
    a.title,
    a.text,
    a.language,
    coalesce(a.published_at, a.first_seen) AS published,
    s.minhash
FROM articles AS a
JOIN story_changes AS c ON c.article_id = a.article_id
LEFT JOIN article_signatures AS s ON s.article_id = a.article_id
WHERE hash(a.article_id) % $parts = $part;
