-- Where the lake keeps its Parquet files (recorded in the catalog when the lake was made).
SELECT value FROM __ducklake_metadata_khabar.ducklake_metadata WHERE key = 'data_path';
