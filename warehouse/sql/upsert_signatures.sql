-- The signature follows the article row: only the fetch the row now holds writes it.
INSERT OR REPLACE INTO article_signatures (article_id, minhash, run_id)
SELECT s.article_id, s.minhash, s.run_id
FROM staged_articles($path) AS s
JOIN articles AS a ON a.article_id = s.article_id AND a.last_seen = s.fetched_at
WHERE len(s.minhash) > 0;
