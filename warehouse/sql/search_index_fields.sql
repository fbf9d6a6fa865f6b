SELECT fieldid, field FROM fts_main_articles.fields ORDER BY fieldid;
