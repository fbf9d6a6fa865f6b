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
