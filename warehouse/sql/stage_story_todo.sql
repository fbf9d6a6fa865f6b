-- The changed articles whose features the run's file did not give, numbered in day order: they
-- are computed here, a slice of seq at a time (rows inserted in day order).
CREATE OR REPLACE TEMP TABLE story_todo AS
SELECT *, row_number() OVER (ORDER BY day, article_id) - 1 AS seq
FROM story_sources
WHERE article_id NOT IN (SELECT article_id FROM parquet_story);
