-- HTTP cache validators of each outlet's feeds and sitemaps (merge on outlet + url): the flow
-- hands them to the next crawl, which sends If-None-Match / If-Modified-Since and gets 304s.
CREATE TABLE http_validators (
    outlet VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    etag VARCHAR,
    last_modified VARCHAR,
    fetched_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (outlet, url)
);
