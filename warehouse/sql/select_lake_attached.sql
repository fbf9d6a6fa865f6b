-- Whether this connection works on a DuckLake (warehouse.lake): the catalog is one and in use.
SELECT count(*) > 0 FROM duckdb_databases()
WHERE database_name = $catalog AND type = 'ducklake' AND current_database() = $catalog;
