-- The lake snapshot's articles, copied into the session's in-memory database, where the fts
-- index can be built (a DuckLake cannot hold it: warehouse.lake).
CREATE TABLE memory.main.articles AS SELECT * FROM khabar.main.articles;
