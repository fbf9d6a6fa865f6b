-- Articles the run contributed before this load: none on a run's first load, when the reload's
-- statements (orphans, missing versions, restored articles) have nothing to do.
SELECT count(*) FROM previous_run_articles;
