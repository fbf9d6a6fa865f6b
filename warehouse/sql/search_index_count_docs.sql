SELECT count(*) FROM fts_main_articles.docs;
