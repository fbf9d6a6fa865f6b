-- The copied rows' signatures, for their LSH keys.
SELECT p.article_id, s.day, p.minhash
FROM parquet_story AS p
JOIN story_sources AS s ON s.article_id = p.article_id
WHERE p.minhash IS NOT NULL
ORDER BY s.day, p.article_id;
