SELECT count(*) > 0 FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles';
