DELETE FROM article_signatures WHERE article_id IN (SELECT article_id FROM signature_rows);
