-- Whether the run's articles.parquet carries the story features the extraction workers compute
-- (files written before them do not).
SELECT count(*) > 0 FROM parquet_schema($path) WHERE name = 'story';
