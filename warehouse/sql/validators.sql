-- HTTP validators (ETag, Last-Modified): loaded from a run folder, then read by the next
-- crawl (warehouse.validators).

-- name: upsert_validators
-- MERGE, not ON CONFLICT: a DuckLake table has no key to conflict on (warehouse.lake).
MERGE INTO http_validators AS v
USING validator_rows AS s
ON v.outlet = s.outlet AND v.url = s.url
WHEN MATCHED AND s.fetched_at >= v.fetched_at THEN UPDATE SET
    etag = s.etag,
    last_modified = s.last_modified,
    fetched_at = s.fetched_at,
    run_id = s.run_id
WHEN NOT MATCHED THEN INSERT (outlet, url, etag, last_modified, fetched_at, run_id)
    VALUES (s.outlet, s.url, s.etag, s.last_modified, s.fetched_at, s.run_id);

-- name: select_validators
SELECT url, etag, last_modified, fetched_at
FROM http_validators
WHERE outlet = $outlet
ORDER BY url;

-- name: select_known_fetches
-- Each stored article's canonical URL and when we last fetched it: the crawler re-fetches it
-- only when a sitemap lastmod or feed date is later.
SELECT canonical_url AS url, last_seen AS fetched_at
FROM articles
WHERE outlet = $outlet
ORDER BY url;
