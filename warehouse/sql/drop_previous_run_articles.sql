DROP TABLE IF EXISTS previous_run_articles;
