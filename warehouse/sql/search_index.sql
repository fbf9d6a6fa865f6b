-- The full-text index (warehouse.search), in the order update_search_index runs it: the check
-- that the index can be updated in place (it exists, its layout, fields and fingerprint); the
-- update in place (the changes staged, counted, applied, dropped: scripts of several statements,
-- run one by one); else the rebuild (build_search_index: the index, its macro, its bookkeeping);
-- last, a search.

-- name: select_index_exists
SELECT count(*) > 0 FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles';

-- name: select_layout
-- The fts index's tables and columns as DuckDB's catalog sees them (compared with the layout the
-- incremental update was written for), plus its macros and their definitions.
SELECT 'table' AS kind, table_name || '.' || column_name AS name, data_type AS detail
FROM duckdb_columns()
WHERE schema_name = 'fts_main_articles' AND database_name = current_database()
UNION ALL
SELECT 'macro', function_name, macro_definition
FROM duckdb_functions()
WHERE schema_name = 'fts_main_articles' AND database_name = current_database()
ORDER BY kind, name;

-- name: select_fields
SELECT fieldid, field FROM fts_main_articles.fields ORDER BY fieldid;

-- name: select_fingerprint
SELECT fingerprint FROM fts_main_articles.settings;

-- name: stage_changes
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

-- name: count_changes
SELECT
    (SELECT count(*) FROM search_removed) AS removed,
    (SELECT count(*) FROM search_added) AS added,
    (SELECT count(*) FROM fts_main_articles.docs) AS indexed,
    (SELECT count(*) FROM fts_main_articles.indexed_articles) AS tracked;

-- name: apply_changes
-- Apply search_removed / search_added (search_index_changes.sql) to the fts tables exactly as
-- PRAGMA create_fts_index would have built them from the current articles (fts_indexing.cpp):
-- same tokenize macro, stopwords and stemmer; docs.len = terms per doc; dict.df = docs per term;
-- stats from docs. Only termids and docids differ (they are opaque: match_bm25 joins on them).
-- $stemmer is the index's stemmer, read from its match_bm25 macro.

-- Term counts of the documents leaving the index, per term.
CREATE OR REPLACE TEMP TABLE search_removed_df AS
SELECT termid, count(DISTINCT docid) AS n
FROM fts_main_articles.terms
WHERE docid IN (SELECT docid FROM search_removed)
GROUP BY termid;

DELETE FROM fts_main_articles.terms WHERE docid IN (SELECT docid FROM search_removed);
DELETE FROM fts_main_articles.docs WHERE docid IN (SELECT docid FROM search_removed);
DELETE FROM fts_main_articles.indexed_articles WHERE docid IN (SELECT docid FROM search_removed);

-- The new documents' terms: the extension's own tokenizing query, field by field.
CREATE OR REPLACE TEMP TABLE search_new_terms AS
WITH tokenized AS (
    SELECT
        unnest(fts_main_articles.tokenize(a.title)) AS w,
        n.docid,
        (SELECT fieldid FROM fts_main_articles.fields WHERE field = 'title') AS fieldid
    FROM articles AS a JOIN search_added AS n ON a.article_id = n.name
    UNION ALL
    SELECT
        unnest(fts_main_articles.tokenize(a.text)) AS w,
        n.docid,
        (SELECT fieldid FROM fts_main_articles.fields WHERE field = 'text') AS fieldid
    FROM articles AS a JOIN search_added AS n ON a.article_id = n.name
)
SELECT stem(t.w, $stemmer) AS term, t.docid, t.fieldid
FROM tokenized AS t
WHERE t.w NOT NULL
  AND len(t.w) > 0
  AND t.w NOT IN (SELECT sw FROM fts_main_articles.stopwords);

INSERT INTO fts_main_articles.dict (termid, term, df)
SELECT
    (SELECT coalesce(max(termid), -1) FROM fts_main_articles.dict)
        + row_number() OVER (ORDER BY nt.term),
    nt.term,
    0
FROM (SELECT DISTINCT term FROM search_new_terms) AS nt
ANTI JOIN fts_main_articles.dict AS d ON d.term = nt.term;

INSERT INTO fts_main_articles.terms (docid, fieldid, termid)
SELECT nt.docid, nt.fieldid, d.termid
FROM search_new_terms AS nt
JOIN fts_main_articles.dict AS d ON d.term = nt.term;

INSERT INTO fts_main_articles.docs (docid, name, len)
SELECT n.docid, n.name, count(nt.term)
FROM search_added AS n
LEFT JOIN search_new_terms AS nt ON nt.docid = n.docid
GROUP BY n.docid, n.name;

INSERT INTO fts_main_articles.indexed_articles (name, docid, content)
SELECT name, docid, content FROM search_added;

-- Document frequencies: minus the documents that left, plus the ones that came.
UPDATE fts_main_articles.dict AS d
SET df = d.df - coalesce(r.n, 0) + coalesce(a.n, 0)
FROM (
    SELECT termid FROM search_removed_df
    UNION
    SELECT d2.termid
    FROM (SELECT DISTINCT term FROM search_new_terms) AS t
    JOIN fts_main_articles.dict AS d2 ON d2.term = t.term
) AS touched
LEFT JOIN search_removed_df AS r ON r.termid = touched.termid
LEFT JOIN (
    SELECT d3.termid, count(DISTINCT nt.docid) AS n
    FROM search_new_terms AS nt
    JOIN fts_main_articles.dict AS d3 ON d3.term = nt.term
    GROUP BY d3.termid
) AS a ON a.termid = touched.termid
WHERE d.termid = touched.termid;

-- A full build has no term without documents.
DELETE FROM fts_main_articles.dict
WHERE df <= 0 AND termid IN (SELECT termid FROM search_removed_df);

-- The extension's own statistics query, over the updated docs.
UPDATE fts_main_articles.stats
SET num_docs = s.num_docs, avgdl = s.avgdl
FROM (
    SELECT count(docs.docid) AS num_docs, sum(docs.len) / count(docs.len) AS avgdl
    FROM fts_main_articles.docs AS docs
) AS s;

-- name: drop_changes
DROP TABLE IF EXISTS search_current;
DROP TABLE IF EXISTS search_removed;
DROP TABLE IF EXISTS search_added;
DROP TABLE IF EXISTS search_removed_df;
DROP TABLE IF EXISTS search_new_terms;

-- name: create_search_index
-- One index for every language. The tokenizer keeps letters and digits of any script (the fts
-- default keeps only a-z, which would drop Arabic); strip_accents folds é->e and Arabic hamza
-- forms; the French Snowball stemmer suits the French majority and leaves Arabic words as they are.
PRAGMA create_fts_index(
    'articles', 'article_id', 'title', 'text',
    stemmer = 'french',
    stopwords = 'none',
    ignore = '[^\p{L}\p{N}]+',
    strip_accents = 1,
    lower = 1,
    overwrite = 1
);

-- name: create_search_macro
-- search_articles('words'[, max_results := N]): BM25 matches over title and text, best first.
-- It reads the fts index, so it is (re)created right after the index (build_search_index).
CREATE OR REPLACE MACRO search_articles(query_string, max_results := 20) AS TABLE
SELECT
    a.score,
    a.article_id,
    a.outlet,
    coalesce(a.published_at, a.first_seen) AS published_at,
    a.published_date,
    a.language,
    a.title,
    a.canonical_url,
    a.story_id,
    a.duplicate_of
FROM (
    SELECT *, fts_main_articles.match_bm25(article_id, query_string) AS score FROM articles
) AS a
WHERE a.score IS NOT NULL
ORDER BY a.score DESC, a.article_id
LIMIT max_results;

-- name: create_state
-- Khabar's bookkeeping beside the fts index, in the index's own schema so that anything that
-- drops or rebuilds the index (PRAGMA create_fts_index / drop_fts_index) drops it too: an index
-- without it is never updated incrementally, only rebuilt.
-- indexed_articles: which article each docs row holds, and a hash of the (title, text) indexed.
-- settings: fingerprint of the indexing settings (create_search_index + the update's code).
CREATE TABLE fts_main_articles.indexed_articles (name VARCHAR, docid BIGINT, content UBIGINT);
CREATE TABLE fts_main_articles.settings (fingerprint VARCHAR);
INSERT INTO fts_main_articles.settings VALUES ($fingerprint);
INSERT INTO fts_main_articles.indexed_articles
SELECT d.name, d.docid, hash(a.title, a.text)
FROM fts_main_articles.docs AS d
JOIN articles AS a ON a.article_id = d.name;

-- name: count_docs
SELECT count(*) FROM fts_main_articles.docs;

-- name: search_articles
SELECT article_id, outlet, title, canonical_url, published_at, score
FROM (
    SELECT *, fts_main_articles.match_bm25(article_id, $query) AS score FROM articles
)
WHERE score IS NOT NULL
ORDER BY score DESC, article_id
LIMIT $limit;
