-- Rows of a run's pages.parquet that another row of the same URL supersedes or is superseded by.
SELECT count(*) - count(DISTINCT url) FROM read_parquet($path);
