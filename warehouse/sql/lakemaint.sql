-- Lake maintenance (warehouse.lakemaint.maintain_lake), in the order it runs under the lake's
-- write lock: inlined rows flushed to Parquet, small files merged, the snapshots to expire
-- read and expired, then the files no snapshot needs deleted after a grace period.

-- name: flush_inlined_data
-- Rows DuckLake inlined into the catalog's tables (small inserts: a night of a few outlets)
-- written out as Parquet files, so PostgreSQL does not grow with every night (lake maintenance).
CALL ducklake_flush_inlined_data($catalog);

-- name: merge_adjacent_files
-- Many small Parquet files (one or more per table per night) merged into fewer; the merged
-- file keeps which snapshot wrote each row, so time travel still works (lake maintenance).
CALL ducklake_merge_adjacent_files($catalog);

-- name: select_snapshots
-- Every snapshot of the lake with its run id when a load committed it (lake maintenance).
SELECT
    snapshot_id,
    snapshot_time,
    json_extract_string(commit_extra_info, '$.run_id') AS run_id
FROM ducklake_snapshots($catalog)
ORDER BY snapshot_id;

-- name: expire_snapshots
-- Forget the snapshots $versions (warehouse.lakemaint.snapshots_to_expire chose them): time
-- travel to them ends, and the files only they used are scheduled for deletion.
CALL ducklake_expire_snapshots($catalog, versions => $versions);

-- name: cleanup_old_files
-- Delete the files scheduled for deletion (merged away, or used only by expired snapshots)
-- before $older_than: a reader that began earlier may still be scanning newer ones.
CALL ducklake_cleanup_old_files($catalog, older_than => $older_than);

-- name: delete_orphaned_files
-- Delete files under the data path that the catalog does not know (a writer killed after writing
-- a Parquet file, before its commit), older than $older_than. Run under the write lock: no load
-- is writing files then.
CALL ducklake_delete_orphaned_files($catalog, older_than => $older_than);
