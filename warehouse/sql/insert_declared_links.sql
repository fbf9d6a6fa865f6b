-- Aggregator copies naming their original (original_url = a stored article's canonical URL or
-- URL), for every pair with a changed article on either side. Four hash joins whose build side
-- is the night's changed articles (a union of every stored address cost a night ~1 s on 1M).
INSERT INTO story_links (article_id, other_id, kind)
WITH changed AS (
    SELECT a.article_id, a.canonical_url, a.url, a.original_url
    FROM articles AS a
    JOIN story_changes AS s ON s.article_id = a.article_id
),
pairs AS (
    SELECT c.article_id, o.article_id AS other_id
    FROM changed AS c JOIN articles AS o ON o.canonical_url = c.original_url
    UNION
    SELECT c.article_id, o.article_id
    FROM changed AS c JOIN articles AS o ON o.url = c.original_url
    UNION
    SELECT c.article_id, o.article_id
    FROM articles AS c JOIN changed AS o ON c.original_url = o.canonical_url
    UNION
    SELECT c.article_id, o.article_id
    FROM articles AS c JOIN changed AS o ON c.original_url = o.url
)
SELECT article_id, other_id, 'declared'
FROM pairs
WHERE article_id <> other_id;
