-- URLs the crawler must not fetch again: every address of a stored article, and pages that
-- answered but were not articles (soft 404s, listings, ...): without them a soft 404 matching
-- the article pattern would be fetched every night. Failed fetches, and pages extracted as
-- `error` (empty body, unparseable) or `blocked` (a bot challenge) are left out: retried.
SELECT canonical_url AS url FROM articles WHERE outlet = $outlet
UNION
SELECT url FROM articles WHERE outlet = $outlet
UNION
SELECT url FROM extractions
WHERE outlet = $outlet AND verdict NOT IN ('article', 'error', 'blocked') AND http_status < 400
ORDER BY url;
