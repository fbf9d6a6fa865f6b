-- Aggregator copies naming their original (original_url = a stored article's canonical URL or
-- URL), for every pair with a changed article on either side.
INSERT INTO story_links (article_id, other_id, kind)
WITH addresses AS (
    SELECT article_id, canonical_url AS address FROM articles
    UNION SELECT article_id, url FROM articles
)
SELECT DISTINCT c.article_id, o.article_id, 'declared'
FROM articles AS c
JOIN addresses AS o ON o.address = c.original_url AND o.article_id <> c.article_id
WHERE c.original_url IS NOT NULL
    AND (c.article_id IN (SELECT article_id FROM story_changes)
        OR o.article_id IN (SELECT article_id FROM story_changes));
