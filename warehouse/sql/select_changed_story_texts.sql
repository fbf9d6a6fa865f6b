-- What the features of the changed articles that exist and have none yet are made of (one
-- slice of them): the extraction workers did not compute them (an older run folder), or a
-- reload restored an older text.
SELECT
    a.article_id,
    a.title,
    a.text,
    a.language,
    coalesce(a.published_at, a.first_seen) AS published
FROM articles AS a
JOIN story_changes AS c ON c.article_id = a.article_id
WHERE NOT EXISTS (SELECT 1 FROM story_features AS f WHERE f.article_id = a.article_id)
    AND hash(a.article_id) % $parts = $part;
