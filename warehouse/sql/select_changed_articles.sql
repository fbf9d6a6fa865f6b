SELECT article_id FROM changed_articles;
