-- The fts index's tables and columns as DuckDB's catalog sees them (compared with the layout the
-- incremental update was written for), plus its macros and their definitions.
SELECT 'table' AS kind, table_name || '.' || column_name AS name, data_type AS detail
FROM duckdb_columns()
WHERE schema_name = 'fts_main_articles' AND database_name = current_database()
UNION ALL
SELECT 'macro', function_name, macro_definition
FROM duckdb_functions()
WHERE schema_name = 'fts_main_articles' AND database_name = current_database()
ORDER BY kind, name;
