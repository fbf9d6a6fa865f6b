-- Who published each multi-outlet story first?
SELECT s.first_published_at, a.outlet AS first_outlet, s.outlet_count, a.title
FROM stories AS s
JOIN articles AS a ON a.article_id = s.first_article_id
WHERE s.outlet_count > 1
ORDER BY s.first_published_at DESC;
