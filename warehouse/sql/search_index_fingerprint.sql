SELECT fingerprint FROM fts_main_articles.settings;
