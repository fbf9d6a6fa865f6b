-- What did each outlet publish about "Rabat" in the last seven days?
SELECT outlet, published_at, title
FROM search_articles('Rabat', max_results := 100)
WHERE published_at >= now() - INTERVAL 7 DAY
ORDER BY outlet, published_at;
