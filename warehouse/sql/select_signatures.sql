SELECT article_id, minhash FROM article_signatures ORDER BY article_id;
