-- MinHash signature of each article's newest text, kept so stories can be re-clustered.
CREATE TABLE article_signatures (
    article_id VARCHAR PRIMARY KEY,
    minhash UBIGINT[] NOT NULL,
    run_id VARCHAR NOT NULL
);
