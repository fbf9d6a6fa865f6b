-- Each distinct (title, text) an article has had; version 1 is the first load.
CREATE TABLE article_versions (
    article_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    title VARCHAR,
    text VARCHAR,
    content_hash VARCHAR,
    seen_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (article_id, run_id)
);
