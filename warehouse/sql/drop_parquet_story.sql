DROP TABLE IF EXISTS parquet_story;
