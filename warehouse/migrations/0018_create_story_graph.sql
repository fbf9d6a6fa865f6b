-- The story graph (warehouse.stories; transforms/story.py decides each pair), replacing the
-- near-duplicate index of migration 0014: its 14 bands of 9 values found only Jaccard >= 0.7,
-- and wire copies with their own headline and lead are at 0.4-0.65.
DROP TABLE signature_bands;
DROP TABLE near_duplicates;
-- What the pair scorer reads of each article (transforms.story.StoryFeatures).
CREATE TABLE story_features (
    article_id VARCHAR PRIMARY KEY,
    day INTEGER NOT NULL,
    language VARCHAR,
    title VARCHAR[] NOT NULL,
    lead VARCHAR[] NOT NULL,
    names VARCHAR[] NOT NULL,
    numbers VARCHAR[] NOT NULL,
    shingles INTEGER NOT NULL
);
-- Candidate keys: MinHash LSH buckets (band = true) and entity keys, with the publication day
-- (days since 1970-01-01 UTC) so that a night joins only the keys of nearby days.
CREATE TABLE story_keys (
    article_id VARCHAR NOT NULL,
    day INTEGER NOT NULL,
    key BIGINT NOT NULL,
    band BOOLEAN NOT NULL
);
-- Decided pairs: 'copy' (one text republished), 'story' (one event) with article_id <
-- other_id, or 'declared' (article_id is an aggregator copy naming other_id as its original).
CREATE TABLE story_links (
    article_id VARCHAR NOT NULL,
    other_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    score DOUBLE,
    containment DOUBLE
);
-- "What changed" between an article's versions: one row per version > 1 (warehouse.stories).
CREATE TABLE version_changes (
    article_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    title_before VARCHAR,
    title_after VARCHAR,
    removed VARCHAR[] NOT NULL,
    added VARCHAR[] NOT NULL,
    diff VARCHAR NOT NULL,
    PRIMARY KEY (article_id, version)
);
