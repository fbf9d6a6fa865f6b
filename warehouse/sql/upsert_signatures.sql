-- The signature follows the article row: only the fetch the row now holds writes it.
-- MERGE, not INSERT OR REPLACE: a DuckLake table has no key to replace on (warehouse.lake).
MERGE INTO article_signatures AS t
USING (
    SELECT s.article_id, s.minhash, s.run_id
    FROM staged_articles($path) AS s
    JOIN articles AS a ON a.article_id = s.article_id AND a.last_seen = s.fetched_at
    WHERE len(s.minhash) > 0
) AS s
ON t.article_id = s.article_id
WHEN MATCHED THEN UPDATE SET minhash = s.minhash, run_id = s.run_id
WHEN NOT MATCHED THEN INSERT (article_id, minhash, run_id) VALUES (s.article_id, s.minhash, s.run_id);
