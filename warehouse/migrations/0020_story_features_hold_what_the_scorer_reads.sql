-- story_features holds everything the pair scorer reads of an article: its outlet, publication
-- time and MinHash signature besides its features. Scoring a night's candidate pairs then reads
-- story_features alone, for the window's days (DuckDB skips other days' row groups by their
-- min/max), instead of scanning every stored signature and article: at 100,000 stored that scan
-- was 0.28 s per slice of days and grew with the warehouse (bench/stories.py). The copy of the
-- signature costs ~0.5 KB an article. Rows are rewritten in day order, which the zone maps need.
CREATE TABLE story_features_0020 (
    article_id VARCHAR PRIMARY KEY,
    day INTEGER NOT NULL,
    language VARCHAR,
    title VARCHAR[] NOT NULL,
    lead VARCHAR[] NOT NULL,
    names VARCHAR[] NOT NULL,
    numbers VARCHAR[] NOT NULL,
    shingles INTEGER NOT NULL,
    -- articles.outlet, coalesce(published_at, first_seen), article_signatures.minhash (NULL:
    -- the article has no signature, a text without words)
    outlet VARCHAR NOT NULL,
    published TIMESTAMPTZ NOT NULL,
    minhash UBIGINT[]
);
INSERT INTO story_features_0020
SELECT f.article_id, f.day, f.language, f.title, f.lead, f.names, f.numbers, f.shingles,
    a.outlet, coalesce(a.published_at, a.first_seen), s.minhash
FROM story_features AS f
JOIN articles AS a ON a.article_id = f.article_id
LEFT JOIN article_signatures AS s ON s.article_id = f.article_id
ORDER BY f.day, f.article_id;
DROP TABLE story_features;
ALTER TABLE story_features_0020 RENAME TO story_features;
