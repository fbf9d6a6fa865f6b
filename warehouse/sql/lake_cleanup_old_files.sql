-- Delete the files scheduled for deletion (merged away, or used only by expired snapshots)
-- before $older_than: a reader that began earlier may still be scanning newer ones.
CALL ducklake_cleanup_old_files($catalog, older_than => $older_than);
