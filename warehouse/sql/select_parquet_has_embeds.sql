-- Whether an articles.parquet has the embeds column (files written before it existed do not).
SELECT count(*) > 0 FROM parquet_schema($path) WHERE name = 'embeds';
