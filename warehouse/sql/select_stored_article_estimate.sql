-- About how many articles the warehouse holds (DuckDB's catalogue estimate: no scan), to size
-- the connection's memory limit (warehouse.db.memory_limit_for).
SELECT coalesce(max(estimated_size), 0)
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'articles';
