-- Delete files under the data path that the catalog does not know (a writer killed after writing
-- a Parquet file, before its commit), older than $older_than. Run under the write lock: no load
-- is writing files then.
CALL ducklake_delete_orphaned_files($catalog, older_than => $older_than);
