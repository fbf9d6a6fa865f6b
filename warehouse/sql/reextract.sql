-- The stored pages a re-extraction reads (warehouse.reextract).

-- name: select_pages_for_reextract
-- Stored pages to re-extract: for each URL the fetch behind its latest extraction (a
-- re-extraction run's rows count: re-extracting twice with one version finds nothing), with the
-- article row it produced. $only_older keeps pages extracted by another version than $version.
WITH latest AS (
    SELECT *
    FROM extractions
    WHERE $all_outlets OR list_contains(CAST($outlets AS VARCHAR[]), outlet)
    QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC, run_id DESC) = 1
)
SELECT
    p.outlet, p.url, p.final_url, p.status, p.headers, p.body, p.fetched_at, p.sources,
    p.run_id AS page_run_id, l.extractor_version, l.article_id,
    a.title AS article_title, a.content_hash AS article_content_hash
FROM latest AS l
JOIN pages AS p
    ON coalesce(nullif(p.final_url, ''), p.url) = l.url AND p.fetched_at = l.fetched_at
LEFT JOIN articles AS a ON a.article_id = l.article_id
WHERE NOT $only_older OR l.extractor_version IS DISTINCT FROM $version
QUALIFY row_number() OVER (PARTITION BY p.url ORDER BY p.run_id DESC) = 1
ORDER BY p.outlet, p.url;
