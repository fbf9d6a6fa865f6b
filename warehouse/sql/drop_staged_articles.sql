DROP TABLE IF EXISTS staged_articles;
