-- Per-outlet counts of one run, from what the load stored (so a reload reports the same).
WITH
p AS (SELECT outlet, count(*) AS pages FROM pages WHERE run_id = $run_id GROUP BY outlet),
f AS (
    SELECT
        outlet,
        count(*) AS fetches,
        count(*) FILTER (WHERE error IS NOT NULL OR coalesce(status, 0) >= 400) AS fetch_errors
    FROM fetches
    WHERE run_id = $run_id
    GROUP BY outlet
),
e AS (
    SELECT
        outlet,
        count(*) FILTER (WHERE verdict = 'error') AS extraction_errors,
        count(*) FILTER (WHERE verdict NOT IN ('article', 'error')) AS non_articles
    FROM extractions
    WHERE run_id = $run_id
    GROUP BY outlet
),
v AS (
    SELECT
        a.outlet,
        count(*) FILTER (WHERE v.version = 1) AS articles_new,
        count(*) FILTER (WHERE v.version > 1) AS articles_updated
    FROM article_versions AS v
    JOIN articles AS a ON a.article_id = v.article_id
    WHERE v.run_id = $run_id
    GROUP BY a.outlet
),
d AS (
    SELECT outlet, count(*) AS duplicates
    FROM articles
    WHERE duplicate_of IS NOT NULL
        AND article_id IN (SELECT article_id FROM extractions WHERE run_id = $run_id)
    GROUP BY outlet
),
o AS (SELECT outlet FROM p UNION SELECT outlet FROM f UNION SELECT outlet FROM e)
SELECT
    o.outlet,
    coalesce(f.fetches, 0) AS fetches,
    coalesce(p.pages, 0) AS pages,
    coalesce(v.articles_new, 0) AS articles_new,
    coalesce(v.articles_updated, 0) AS articles_updated,
    coalesce(d.duplicates, 0) AS duplicates,
    coalesce(e.non_articles, 0) AS non_articles,
    coalesce(f.fetch_errors, 0) AS fetch_errors,
    coalesce(e.extraction_errors, 0) AS extraction_errors
FROM o
LEFT JOIN p ON p.outlet = o.outlet
LEFT JOIN f ON f.outlet = o.outlet
LEFT JOIN e ON e.outlet = o.outlet
LEFT JOIN v ON v.outlet = o.outlet
LEFT JOIN d ON d.outlet = o.outlet
ORDER BY o.outlet;
