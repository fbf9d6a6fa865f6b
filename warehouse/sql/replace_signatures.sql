INSERT INTO article_signatures (article_id, minhash, run_id)
SELECT article_id, minhash, run_id FROM signature_rows WHERE len(minhash) > 0;
