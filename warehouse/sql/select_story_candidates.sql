-- Candidate pairs for the changed articles published on days [$first, $last]: another article
-- within $window days that shares one LSH bucket, or $min_keys entity keys (names, figures,
-- title words), among candidate_keys. The constant day range on s lets DuckDB skip other days'
-- row groups.
SELECT least(m.article_id, s.article_id) AS article_id,
    greatest(m.article_id, s.article_id) AS other_id
FROM candidate_keys AS m
JOIN story_keys AS s
    ON s.key = m.key AND s.day BETWEEN m.day - $window AND m.day + $window
LEFT JOIN story_changes AS c ON c.article_id = s.article_id
WHERE s.day BETWEEN $first - $window AND $last + $window
    AND s.article_id <> m.article_id
    -- A changed article of a later slice finds this pair itself: each pair is found once.
    AND (c.article_id IS NULL OR s.day <= $last)
GROUP BY ALL
HAVING bool_or(m.band) OR count(DISTINCT m.key) FILTER (WHERE NOT m.band) >= $min_keys;
