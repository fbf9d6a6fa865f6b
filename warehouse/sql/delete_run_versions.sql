DELETE FROM article_versions WHERE run_id = $run_id;
