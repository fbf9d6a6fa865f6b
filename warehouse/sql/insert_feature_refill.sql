-- The completed rows, in day order.
INSERT INTO story_features BY NAME SELECT * FROM story_refill ORDER BY day, article_id;
