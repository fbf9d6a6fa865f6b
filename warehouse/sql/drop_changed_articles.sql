DROP TABLE IF EXISTS changed_articles;
