SELECT canonical_url AS url FROM articles WHERE outlet = $outlet
UNION
SELECT url FROM articles WHERE outlet = $outlet
ORDER BY url;
