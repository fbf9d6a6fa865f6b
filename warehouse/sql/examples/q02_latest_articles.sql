-- The ten latest original articles (copies left out), all outlets.
SELECT published_at, outlet_name, title
FROM latest_articles
LIMIT 10;
