DELETE FROM pages WHERE run_id = $run_id;
