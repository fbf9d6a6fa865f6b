-- Write the WAL into the database file and reclaim space of deleted rows.
CHECKPOINT;
