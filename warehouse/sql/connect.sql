-- Opening a connection (warehouse.db.connect, connect_lake; the analyst sessions of
-- warehouse.analyst and warehouse.lakeread), and the checkpoint writers run when they are done
-- (warehouse.publish, warehouse.monitoring).

-- name: select_stored_article_estimate
-- About how many articles the warehouse holds (DuckDB's catalogue estimate: no scan), to size
-- the connection's memory limit (warehouse.db.memory_limit_for).
SELECT coalesce(max(estimated_size), 0)
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'articles';

-- name: set_memory_limit
SET memory_limit = $limit;

-- name: set_utc_timezone
SET TimeZone = 'UTC';

-- name: checkpoint
-- Write the WAL into the database file and reclaim space of deleted rows.
CHECKPOINT;
