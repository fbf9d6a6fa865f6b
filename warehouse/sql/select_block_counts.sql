-- Blocks of the open database file: all of them (the header's count, free ones included) and
-- the free ones; warehouse/health.py compares them with the file's length.
SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = $database;
