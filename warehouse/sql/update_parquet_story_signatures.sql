-- The stored signature of the copied rows whose fetch had none (a text without words keeps the
-- signature of an earlier fetch, if any).
UPDATE parquet_story SET minhash = s.minhash
FROM article_signatures AS s
WHERE s.article_id = parquet_story.article_id AND parquet_story.minhash IS NULL;
