DROP MACRO TABLE IF EXISTS staged_articles;
