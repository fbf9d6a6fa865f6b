-- Benchmark baseline (bench/warehouse.py): an empty plain table shaped like articles.parquet.
CREATE TABLE plain_articles AS SELECT * FROM read_parquet($path) LIMIT 0;
