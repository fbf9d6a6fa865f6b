DELETE FROM fetches WHERE run_id = $run_id;
