-- Articles the run contributed before this (re)load: those it alone saw go if the reload drops them.
CREATE OR REPLACE TEMP TABLE previous_run_articles AS
SELECT DISTINCT article_id
FROM extractions
WHERE run_id = $run_id AND article_id IS NOT NULL;
