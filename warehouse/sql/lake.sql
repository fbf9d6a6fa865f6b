-- The DuckLake backend (warehouse.lake, warehouse.lakeread): attaching it (the secret made
-- and dropped around the attach), the writers' lock and commit message, its snapshots, and the
-- analyst's and search's reads of it.

-- name: create_secret
-- Where the lake is, as a DuckDB secret (ATTACH takes no bound values; a secret does). Dropped
-- right after the attach (drop_secret), so no session can read the catalog's URL back.
CREATE OR REPLACE SECRET khabar_lake (
    TYPE ducklake, METADATA_PATH $metadata_path, DATA_PATH $data_path
);

-- name: set_snapshot
SET VARIABLE khabar_snapshot = $snapshot;

-- name: attach_snapshot
-- The lake as it was at snapshot getvariable('khabar_snapshot') (set_snapshot).
ATTACH 'ducklake:khabar_lake' AS khabar (
    READ_ONLY, SNAPSHOT_VERSION getvariable('khabar_snapshot')
);

-- name: attach_reader
ATTACH 'ducklake:khabar_lake' AS khabar (READ_ONLY);

-- name: drop_secret
DROP SECRET khabar_lake;

-- name: use_catalog
USE khabar;

-- name: attach_writer
ATTACH 'ducklake:khabar_lake' AS khabar;

-- name: select_attached
-- Whether this connection works on a DuckLake (warehouse.lake): the catalog is one and in use.
SELECT count(*) > 0 FROM duckdb_databases()
WHERE database_name = $catalog AND type = 'ducklake' AND current_database() = $catalog;

-- name: try_lock
-- One try at the lake's write lock, in this transaction of the catalog's PostgreSQL connection
-- (warehouse.lake.write_lock); $statement is pg_try_advisory_xact_lock(key) AS got.
SELECT got FROM postgres_query($catalog_db, $statement);

-- name: set_commit_message
-- Names the snapshot the open transaction commits (ducklake_snapshots shows it).
CALL ducklake_set_commit_message($catalog, $author, $message, extra_info => $extra);

-- name: select_run_snapshots
-- Every load's snapshot (warehouse.lake.tag_commit put the run id in commit_extra_info).
SELECT
    json_extract_string(commit_extra_info, '$.run_id') AS run_id,
    snapshot_id,
    snapshot_time AS committed_at,
    commit_message AS message
FROM ducklake_snapshots($catalog)
WHERE json_extract_string(commit_extra_info, '$.run_id') IS NOT NULL
ORDER BY snapshot_id;

-- name: select_current_snapshot
SELECT id FROM ducklake_current_snapshot($catalog);

-- name: select_data_path
-- Where the lake keeps its Parquet files (recorded in the catalog when the lake was made).
SELECT value FROM __ducklake_metadata_khabar.ducklake_metadata WHERE key = 'data_path';

-- name: copy_search_articles
-- The lake snapshot's articles, copied into the session's in-memory database, where the fts
-- index can be built (a DuckLake cannot hold it: warehouse.lake).
CREATE TABLE memory.main.articles AS SELECT * FROM khabar.main.articles;

-- name: use_memory
-- The copy's database made the default, for the fts index built on it.
USE memory;
