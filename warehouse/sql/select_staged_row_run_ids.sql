SELECT DISTINCT run_id FROM staged_rows ORDER BY run_id;
