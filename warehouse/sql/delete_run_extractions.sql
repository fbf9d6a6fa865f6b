DELETE FROM extractions WHERE run_id = $run_id;
