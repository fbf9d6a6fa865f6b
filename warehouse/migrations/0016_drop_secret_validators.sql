-- Validators were stored under the feed's real URL, a paid feed's ?token= included, and
-- analysts read this table. Crawls now key them by the URL with its secrets redacted
-- (spiders/redact.py); the rows that may hold a secret (a query string or user-info in the URL)
-- are dropped: each such feed or sitemap is fetched whole once, then has redacted rows.
DELETE FROM http_validators
WHERE url LIKE '%?%' OR regexp_matches(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*@');
