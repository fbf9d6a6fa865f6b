-- Raw fetched pages, bodies zlib-compressed (append per run, unique per run and URL).
CREATE TABLE pages (
    run_id VARCHAR NOT NULL,
    outlet VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    final_url VARCHAR,
    status INTEGER,
    headers JSON,
    body BLOB,
    content_sha256 VARCHAR,
    fetched_at TIMESTAMPTZ,
    sources VARCHAR[],
    UNIQUE (run_id, url)
);
