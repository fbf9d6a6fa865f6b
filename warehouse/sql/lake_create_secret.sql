-- Where the lake is, as a DuckDB secret (ATTACH takes no bound values; a secret does). Dropped
-- right after the attach (lake_drop_secret), so no session can read the catalog's URL back.
CREATE OR REPLACE SECRET khabar_lake (
    TYPE ducklake, METADATA_PATH $metadata_path, DATA_PATH $data_path
);
