-- Each stored article's canonical URL and when we last fetched it: the crawler re-fetches it
-- only when a sitemap lastmod or feed date is later.
SELECT canonical_url AS url, last_seen AS fetched_at
FROM articles
WHERE outlet = $outlet
ORDER BY url;
