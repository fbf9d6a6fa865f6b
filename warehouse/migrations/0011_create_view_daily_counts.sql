-- Articles per outlet per day (Moroccan local day; copies count for the outlet that ran them).
CREATE VIEW daily_counts AS
SELECT
    outlet,
    CAST(timezone('Africa/Casablanca', coalesce(published_at, first_seen)) AS DATE) AS day,
    count(*) AS articles
FROM articles
GROUP BY ALL;
