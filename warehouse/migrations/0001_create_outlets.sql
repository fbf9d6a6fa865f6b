-- The outlet registry as rows, so queries can join names and countries (upserted by sync_outlets).
CREATE TABLE outlets (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    home VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    languages VARCHAR[] NOT NULL,
    aggregator BOOLEAN NOT NULL DEFAULT false
);
