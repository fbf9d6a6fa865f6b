-- Checking a database file before it is trusted (warehouse.health): its blocks
-- (check_blocks), then that its objects are Khabar's (check_ours).

-- name: select_current_database
SELECT current_database();

-- name: select_block_counts
-- Blocks of the open database file: all of them (the header's count, free ones included) and
-- the free ones; warehouse/health.py compares them with the file's length.
SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = $database;

-- name: select_metadata_block_max
SELECT max(block_id) FROM pragma_metadata_info($database);

-- name: select_database_tables
SELECT schema_name, table_name FROM duckdb_tables()
WHERE database_name = $database AND NOT temporary
ORDER BY schema_name, table_name;

-- name: select_storage_block_max
-- The highest block a table's stored data occupies (strings spanning blocks included).
SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), -1)))
FROM pragma_storage_info($table);

-- name: select_user_objects
-- Tables and views of the open database file (not temporary ones, not DuckDB's own).
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
UNION ALL
SELECT view_name FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND NOT temporary;

-- name: select_applied_migration_names
SELECT version, name FROM schema_migrations ORDER BY version;
