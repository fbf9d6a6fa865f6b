SELECT 'outlets' AS "table", count(*) AS "rows" FROM outlets
UNION ALL SELECT 'crawl_runs', count(*) FROM crawl_runs
UNION ALL SELECT 'fetches', count(*) FROM fetches
UNION ALL SELECT 'pages', count(*) FROM pages
UNION ALL SELECT 'extractions', count(*) FROM extractions
UNION ALL SELECT 'articles', count(*) FROM articles
UNION ALL SELECT 'article_versions', count(*) FROM article_versions
UNION ALL SELECT 'article_signatures', count(*) FROM article_signatures
UNION ALL SELECT 'stories', count(*) FROM stories
UNION ALL SELECT 'embeds', count(*) FROM embeds;
