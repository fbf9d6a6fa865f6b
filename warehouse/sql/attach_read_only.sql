-- The analyst connection's only database file, made its default. DuckDB's ATTACH takes no bound
-- parameters: {path} is the file's path as a string literal, quotes doubled (warehouse/analyst.py).
ATTACH {path} AS warehouse (READ_ONLY);
USE warehouse;
