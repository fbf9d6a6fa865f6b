-- The story index, derived from article_signatures by warehouse.stories (never written elsewhere).
-- signature_bands: MinHash LSH buckets, one row per article and band (the band's values hashed):
-- a night's new signatures are joined with these instead of re-indexing every stored signature.
CREATE TABLE signature_bands (
    article_id VARCHAR NOT NULL,
    band UTINYINT NOT NULL,
    bucket UBIGINT NOT NULL
);
-- near_duplicates: each pair of articles whose texts are near-duplicates (a band's values equal
-- and estimated Jaccard similarity of word shingles >= the story threshold), article_id < other_id.
CREATE TABLE near_duplicates (
    article_id VARCHAR NOT NULL,
    other_id VARCHAR NOT NULL,
    similarity DOUBLE NOT NULL
);
