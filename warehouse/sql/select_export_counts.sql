-- Rows per partition of an export, read back from its files.
SELECT outlet, month, count(*) AS articles
FROM read_parquet($glob, hive_partitioning = true)
GROUP BY outlet, month
ORDER BY outlet, month;
