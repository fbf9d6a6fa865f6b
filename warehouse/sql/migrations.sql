-- Applying warehouse/migrations/NNNN_*.sql (warehouse.db.migrate): which are applied, the
-- bookkeeping table, one row per migration applied.

-- name: select_schema_migrations_exists
SELECT count(*) > 0 FROM duckdb_tables()
WHERE table_name = 'schema_migrations' AND schema_name = 'main'
    AND database_name = current_database();

-- name: select_applied_migrations
SELECT version FROM schema_migrations ORDER BY version;

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- name: insert_schema_migration
-- applied_at given, not defaulted: a DuckLake column default must be a literal.
INSERT INTO schema_migrations (version, name, applied_at)
VALUES ($version, $name, current_timestamp);
