SELECT DISTINCT run_id FROM read_parquet($path) ORDER BY run_id;
