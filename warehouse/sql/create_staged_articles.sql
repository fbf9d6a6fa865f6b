-- staged_articles($path): the article rows staged_keys chose, read from the parquet file when a
-- statement needs them (a temp copy of a night's text would double the load's memory).
-- paragraphs repeats text and no table keeps it.
CREATE OR REPLACE TEMP MACRO staged_articles(path) AS TABLE
SELECT p.* EXCLUDE (paragraphs, file_row_number), k.article_id, k.stored
FROM read_parquet(path, file_row_number = true) AS p
JOIN staged_keys AS k ON k.file_row_number = p.file_row_number;
