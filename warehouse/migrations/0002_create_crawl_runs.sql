-- One row per flow run: what it was asked to do, when, and how it ended.
CREATE TABLE crawl_runs (
    run_id VARCHAR PRIMARY KEY,
    flow VARCHAR NOT NULL,
    parameters JSON,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,
    counts JSON
);
