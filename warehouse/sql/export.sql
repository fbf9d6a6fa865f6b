-- `python -m warehouse export` (warehouse.export): the articles written to Parquet, then
-- the written files' counts read back.

-- name: copy_articles
-- Every article with its partition keys: outlet and month (Africa/Casablanca, of published_at,
-- else first_seen), written as Hive partitions <dir>/outlet=<id>/month=<YYYY-MM>/*.parquet.
COPY (
    SELECT
        *,
        strftime(
            timezone('Africa/Casablanca', coalesce(published_at, first_seen)), '%Y-%m'
        ) AS month
    FROM articles
    ORDER BY outlet, coalesce(published_at, first_seen), article_id
) TO $path (FORMAT parquet, PARTITION_BY (outlet, month), COMPRESSION zstd);

-- name: select_partition_counts
-- Rows per partition of an export, read back from its files.
SELECT outlet, month, count(*) AS articles
FROM read_parquet($glob, hive_partitioning = true)
GROUP BY outlet, month
ORDER BY outlet, month;
