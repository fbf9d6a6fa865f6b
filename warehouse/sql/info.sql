-- `python -m warehouse info` (warehouse.__main__), and the database file export names.

-- name: select_database_file
SELECT coalesce(path, database_name) FROM duckdb_databases()
WHERE database_name = current_database();

-- name: select_table_counts
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
