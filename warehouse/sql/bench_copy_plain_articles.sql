-- Benchmark baseline: DuckDB's own bulk load of the same parquet file, nothing else.
COPY plain_articles FROM $path (FORMAT parquet);
