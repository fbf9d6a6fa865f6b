-- Which sections each outlet files its articles under.
SELECT outlet, category, count(*) AS articles
FROM (SELECT outlet, unnest(categories) AS category FROM articles)
GROUP BY ALL
ORDER BY outlet, articles DESC, category;
