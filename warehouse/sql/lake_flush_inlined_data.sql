-- Rows DuckLake inlined into the catalog's tables (small inserts: a night of a few outlets)
-- written out as Parquet files, so PostgreSQL does not grow with every night (lake maintenance).
CALL ducklake_flush_inlined_data($catalog);
