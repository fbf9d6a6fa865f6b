-- The baseline bench/warehouse.py measures load_run against: DuckDB's own bulk load of the
-- same articles.parquet into a plain table.

-- name: create_plain_articles
-- Benchmark baseline (bench/warehouse.py): an empty plain table shaped like articles.parquet.
CREATE TABLE plain_articles AS SELECT * FROM read_parquet($path) LIMIT 0;

-- name: copy_plain_articles
-- Benchmark baseline: DuckDB's own bulk load of the same parquet file, nothing else.
COPY plain_articles FROM $path (FORMAT parquet);
