SELECT DISTINCT run_id FROM staged_fetches ORDER BY run_id;
