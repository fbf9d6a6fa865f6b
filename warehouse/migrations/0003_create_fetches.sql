-- Every request outcome of a run (append per run: replaced wholesale when the run is reloaded).
CREATE TABLE fetches (
    run_id VARCHAR NOT NULL,
    outlet VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    status INTEGER,
    error VARCHAR,
    bytes BIGINT,
    duration_ms DOUBLE,
    fetched_at TIMESTAMPTZ
);
