-- The extraction verdict of every page of a run (append per run): lineage page -> article.
CREATE TABLE extractions (
    run_id VARCHAR NOT NULL,
    outlet VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    canonical_url VARCHAR,
    article_id VARCHAR,
    verdict VARCHAR NOT NULL,
    reason VARCHAR,
    http_status INTEGER,
    extractor VARCHAR,
    extractor_version VARCHAR,
    fetched_at TIMESTAMPTZ
);
