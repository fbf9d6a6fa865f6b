-- Whether the PostgreSQL database holds a DuckLake catalog already (DuckLake's own table).
SELECT count(*) > 0 FROM postgres_query($lock_db, 'SELECT 1 FROM pg_tables WHERE tablename = ''ducklake_metadata''');
