-- What the scorer needs of each listed article, all in story_features. Every candidate pair of
-- a slice lies within the days [$first, $last] (the slice's days and the window around them):
-- the day range lets DuckDB skip other days' row groups, so the cost follows the window, not
-- the warehouse (a join on every stored signature cost 0.28 s a slice at 100,000 stored).
SELECT article_id, language, title, lead, names, numbers, shingles, minhash, outlet, published
FROM story_features
WHERE day BETWEEN $first AND $last
    AND article_id IN (SELECT article_id FROM wanted_ids);
