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
