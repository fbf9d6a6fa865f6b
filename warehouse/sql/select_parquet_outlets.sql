SELECT DISTINCT outlet FROM read_parquet($path) WHERE outlet IS NOT NULL;
