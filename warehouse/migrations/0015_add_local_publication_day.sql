-- The local calendar day of publication. `published_at::DATE` is the UTC day: one day early for
-- an article published between midnight and 01:00 in Casablanca (UTC+1), which is every maghress
-- copy (dated at local midnight). outlets.timezone keeps each outlet's zone from the registry;
-- articles.published_date is published_at's day in it, set by each load
-- (update_published_dates.sql); daily_counts counts by the same day.
ALTER TABLE outlets ADD COLUMN timezone VARCHAR DEFAULT 'Africa/Casablanca';
UPDATE outlets SET timezone = 'Africa/Casablanca' WHERE timezone IS NULL;
ALTER TABLE articles ADD COLUMN published_date DATE;
UPDATE articles SET published_date = CAST(timezone(
    coalesce((SELECT o.timezone FROM outlets AS o WHERE o.id = articles.outlet),
             'Africa/Casablanca'),
    published_at) AS DATE)
WHERE published_at IS NOT NULL;
CREATE OR REPLACE VIEW daily_counts AS
SELECT
    a.outlet,
    coalesce(
        a.published_date,
        CAST(timezone(coalesce(o.timezone, 'Africa/Casablanca'), a.first_seen) AS DATE)
    ) AS day,
    count(*) AS articles
FROM articles AS a
LEFT JOIN outlets AS o ON o.id = a.outlet
GROUP BY ALL;
