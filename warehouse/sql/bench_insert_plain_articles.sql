-- Benchmark baseline: DuckDB's own bulk insert of the same parquet, nothing else.
INSERT INTO plain_articles SELECT * FROM read_parquet($path);
