SELECT url, etag, last_modified, fetched_at
FROM http_validators
WHERE outlet = $outlet
ORDER BY url;
