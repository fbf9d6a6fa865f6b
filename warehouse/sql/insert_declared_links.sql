-- Aggregator copies naming their original (original_url = a stored article's canonical URL or
-- URL), for every pair with a changed article on either side. The changed side is story_sources
-- (staged once); the stored side is read by three hash joins whose build side is the night's
-- few addresses: a canonical URL by the article's key (the key is article_id(canonical_url), so
-- the join reads the key column, not every stored canonical URL), a URL, and the stored copies'
-- own original_url (null but for aggregators' copies). At 1,000,000 stored: 0.11 s of CPU
-- against 0.45 s for four joins of the changed articles with every stored address.
INSERT INTO story_links (article_id, other_id, kind)
WITH pairs AS (
    SELECT c.article_id, o.article_id AS other_id
    FROM story_sources AS c
    JOIN articles AS o ON o.article_id = article_id(c.original_url)
    UNION
    SELECT c.article_id, o.article_id
    FROM story_sources AS c JOIN articles AS o ON o.url = c.original_url
    UNION
    SELECT c.article_id, o.article_id
    FROM articles AS c
    JOIN (
        SELECT article_id, canonical_url AS address FROM story_sources
        UNION
        SELECT article_id, url FROM story_sources
    ) AS o ON c.original_url = o.address
)
SELECT article_id, other_id, 'declared'
FROM pairs
WHERE article_id <> other_id;
