-- Tables and views of the open database file (not temporary ones, not DuckDB's own).
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
UNION ALL
SELECT view_name FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND NOT temporary;
