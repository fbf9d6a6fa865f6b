SELECT count(*) > 0 FROM crawl_runs WHERE run_id = $run_id;
