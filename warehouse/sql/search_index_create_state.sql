-- Khabar's bookkeeping beside the fts index, in the index's own schema so that anything that
-- drops or rebuilds the index (PRAGMA create_fts_index / drop_fts_index) drops it too: an index
-- without it is never updated incrementally, only rebuilt.
-- indexed_articles: which article each docs row holds, and a hash of the (title, text) indexed.
-- settings: fingerprint of the indexing settings (create_search_index.sql + the update's code).
CREATE TABLE fts_main_articles.indexed_articles (name VARCHAR, docid BIGINT, content UBIGINT);
CREATE TABLE fts_main_articles.settings (fingerprint VARCHAR);
INSERT INTO fts_main_articles.settings VALUES ($fingerprint);
INSERT INTO fts_main_articles.indexed_articles
SELECT d.name, d.docid, hash(a.title, a.text)
FROM fts_main_articles.docs AS d
JOIN articles AS a ON a.article_id = d.name;
