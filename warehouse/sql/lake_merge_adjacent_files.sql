-- Many small Parquet files (one or more per table per night) merged into fewer; the merged
-- file keeps which snapshot wrote each row, so time travel still works (lake maintenance).
CALL ducklake_merge_adjacent_files($catalog);
