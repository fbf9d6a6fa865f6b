SELECT count(*) > 0 FROM duckdb_functions()
WHERE function_name = 'search_articles' AND schema_name = 'main'
  AND database_name = current_database();
