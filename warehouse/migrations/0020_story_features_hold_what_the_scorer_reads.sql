-- story_features holds everything the pair scorer reads of an article: its outlet, publication
-- time and MinHash signature besides its features. Scoring a night's candidate pairs then reads
-- story_features alone, for the window's days (DuckDB reads the wide columns only where the
-- day matches), instead of scanning every stored signature and article: at 100,000 stored that
-- scan cost 0.28 s per slice of days and grew with the warehouse (bench/stories.py). The copy
-- of the signature costs ~0.5 KB an article.
-- The rows stored before this migration get the new columns at the next load, a slice of days
-- at a time (warehouse.story_features.complete_features): copying them here in one statement
-- ran a 300,000-article warehouse out of DuckDB's 256 MB. outlet IS NULL marks them.
ALTER TABLE story_features ADD COLUMN outlet VARCHAR;
ALTER TABLE story_features ADD COLUMN published TIMESTAMPTZ;
ALTER TABLE story_features ADD COLUMN minhash UBIGINT[];
