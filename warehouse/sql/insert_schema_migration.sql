-- applied_at given, not defaulted: a DuckLake column default must be a literal.
INSERT INTO schema_migrations (version, name, applied_at)
VALUES ($version, $name, current_timestamp);
