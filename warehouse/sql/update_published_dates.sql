-- articles.published_date of the articles this run's load touched: published_at's calendar day
-- in the outlet's time zone (outlets.timezone, from the registry). Only rows whose day changes
-- are written.
UPDATE articles SET published_date = d.day
FROM (
    SELECT
        a.article_id,
        CAST(timezone(coalesce(o.timezone, 'Africa/Casablanca'), a.published_at) AS DATE) AS day
    FROM articles AS a
    LEFT JOIN outlets AS o ON o.id = a.outlet
    WHERE a.article_id IN (SELECT article_id FROM extractions WHERE run_id = $run_id)
) AS d
WHERE articles.article_id = d.article_id AND articles.published_date IS DISTINCT FROM d.day;
