SELECT count(*) FROM parquet_story WHERE minhash IS NULL;
