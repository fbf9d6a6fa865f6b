-- The run's stored fetch log, except that of outlets whose fetches file is gone from the run
-- folder ($keep; warehouse/runfolder.py).
DELETE FROM fetches WHERE run_id = $run_id AND NOT list_contains(CAST($keep AS VARCHAR[]), outlet);
