-- Near-duplicate pairs with a changed article on either side, as near_duplicate_groups finds
-- them: LSH candidates (some band's bucket matches, and that band's values are really equal, not
-- only their hash), kept when the estimated Jaccard similarity (the share of equal signature
-- values) reaches the threshold.
INSERT INTO near_duplicates (article_id, other_id, similarity)
WITH candidates AS (
    SELECT
        least(n.article_id, o.article_id) AS article_id,
        greatest(n.article_id, o.article_id) AS other_id,
        list(DISTINCT n.band) AS bands
    FROM signature_bands AS n
    JOIN signature_bands AS o
        ON o.band = n.band AND o.bucket = n.bucket AND o.article_id <> n.article_id
    WHERE n.article_id IN (SELECT article_id FROM story_changes)
    GROUP BY ALL
),
pairs AS (
    SELECT c.article_id, c.other_id, c.bands, a.minhash AS x, b.minhash AS y
    FROM candidates AS c
    JOIN article_signatures AS a ON a.article_id = c.article_id
    JOIN article_signatures AS b ON b.article_id = c.other_id
)
SELECT
    article_id,
    other_id,
    len(list_filter(list_zip(x, y), lambda p: p[1] = p[2])) / len(x) AS similarity
FROM pairs
WHERE similarity >= $threshold
    AND list_bool_or(list_transform(
        bands, lambda k: x[k * $rows + 1 : (k + 1) * $rows] = y[k * $rows + 1 : (k + 1) * $rows]
    ));
