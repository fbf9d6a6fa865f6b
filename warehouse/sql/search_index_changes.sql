-- What changed since the index was last updated: index rows to drop (article deleted, or its
-- title/text changed) and articles to (re)index (new, or changed), each with a fresh docid.
CREATE OR REPLACE TEMP TABLE search_current AS
SELECT article_id AS name, hash(title, text) AS content FROM articles;

CREATE OR REPLACE TEMP TABLE search_removed AS
SELECT i.docid, i.name
FROM fts_main_articles.indexed_articles AS i
ANTI JOIN search_current AS c ON c.name = i.name AND c.content = i.content;

CREATE OR REPLACE TEMP TABLE search_added AS
SELECT
    c.name,
    c.content,
    (SELECT coalesce(max(docid), -1) FROM fts_main_articles.docs)
        + row_number() OVER (ORDER BY c.name) AS docid
FROM search_current AS c
ANTI JOIN fts_main_articles.indexed_articles AS i ON i.name = c.name AND i.content = c.content;
