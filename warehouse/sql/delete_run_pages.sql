-- The run's stored pages, except those of outlets whose raw file is gone from the run folder
-- ($keep: the pages are stored already; warehouse/runfolder.py).
DELETE FROM pages WHERE run_id = $run_id AND NOT list_contains(CAST($keep AS VARCHAR[]), outlet);
