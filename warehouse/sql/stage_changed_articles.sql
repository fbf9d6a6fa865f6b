-- The articles a (re)load of the run can have changed: those it holds now or held before. No
-- other article's versions or signature moved, so the steps after the merge look at these only.
CREATE OR REPLACE TEMP TABLE changed_articles AS
SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
UNION
SELECT article_id FROM previous_run_articles;
