-- Article pages of the run, one per article_id: a canonical URL reached twice keeps its last fetch.
CREATE OR REPLACE TEMP TABLE staged_articles AS
SELECT *
FROM staged_rows
WHERE verdict = 'article'
QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY fetched_at DESC, url) = 1;
