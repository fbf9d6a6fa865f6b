-- One try at the lake's write lock, in this transaction of the catalog's PostgreSQL connection
-- (warehouse.lake.write_lock); $statement is pg_try_advisory_xact_lock(key) AS got.
SELECT got FROM postgres_query($catalog_db, $statement);
