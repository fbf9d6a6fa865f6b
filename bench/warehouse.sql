-- The benchmarks' own SQL (bench.sql): baselines to measure the product against, set-ups of
-- the data measured, and read-backs of what a measurement left. Each measurement child gets
-- these statements' text in its task (bench.child.run_json).

-- name: create_plain_articles
-- Benchmark baseline (bench/warehouse.py): an empty plain table shaped like articles.parquet.
CREATE TABLE plain_articles AS SELECT * FROM read_parquet($path) LIMIT 0;

-- name: copy_plain_articles
-- Benchmark baseline: DuckDB's own bulk load of the same parquet file, nothing else.
COPY plain_articles FROM $path (FORMAT parquet);

-- name: checkpoint
-- After each load measured (bench/warehouse_child.py): its data written into the file, as the
-- product's close does, so that load and COPY are compared with their checkpoints.
CHECKPOINT;

-- name: select_page_urls
-- bench/publish_child.py pads every stored page with a body of the size a real page has.
SELECT url FROM pages;

-- name: create_padded_pages
-- Pages as if fetched with real bodies: inserted, not updated (an UPDATE leaves the next load
-- to rewrite the whole table and the file twice its size: not what a night sees).
CREATE TEMP TABLE padded AS FROM pages LIMIT 0;

-- name: insert_padded_pages
-- One batch of padded bodies, registered by Python as the relation pad(url, body).
INSERT INTO padded SELECT p.* REPLACE (pad.body AS body) FROM pages AS p JOIN pad USING (url);

-- name: delete_pages
DELETE FROM pages;

-- name: insert_pages_from_padded
INSERT INTO pages FROM padded;

-- name: drop_padded_pages
DROP TABLE padded;

-- name: select_free_mb
-- Free space in the published read copy (bench/publish_child.py).
SELECT free_blocks * block_size / 1e6 FROM pragma_database_size();

-- name: select_story_counts
-- What a kept warehouse holds (bench/stories_child.py).
SELECT
    (SELECT count(*) FROM articles) AS articles,
    (SELECT count(*) FROM stories) AS stories,
    (SELECT count(*) FROM story_links) AS links,
    (SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL) AS copies;

-- name: select_article_groups
-- Each stored article's copy and story links, scored against the labels (bench/storyset).
SELECT canonical_url, article_id, story_id, duplicate_of FROM articles;

-- name: select_negative_delay_count
-- Timeline rows whose delays cannot be (bench/storyset): 0 when every delay is sound.
SELECT count(*) FROM story_timeline
WHERE pickup_delay_minutes < 0
    OR pickup_delay_max_minutes < pickup_delay_minutes
    OR copy_delay_minutes < 0;

-- name: select_article_count
-- Articles a night stored (bench/prefect_overhead.py).
SELECT count(*) FROM articles;

-- name: select_outlet_counts
-- Articles per outlet in the lake the workers loaded (bench/workers.py) ...
SELECT outlet, count(*) FROM articles GROUP BY ALL;

-- name: select_distinct_article_count
-- ... and how many distinct ids: a row loaded twice would show as more rows than ids.
SELECT count(DISTINCT article_id) FROM articles;

-- name: select_outlet_lengths
-- A reader's scan over every article (bench/lakemaint.py): its length by outlet ...
SELECT outlet, count(*), sum(length(text)) FROM articles GROUP BY ALL ORDER BY 1;

-- name: select_outlet_lengths_at
-- ... and the same at an older snapshot of the lake, $version.
SELECT outlet, count(*), sum(length(text)) FROM articles AT (VERSION => $version)
GROUP BY ALL ORDER BY 1;

-- name: select_catalog_bytes
-- PostgreSQL, run by psql on the lake's catalog database (bench/workers.py): its size ...
SELECT pg_database_size(current_database());

-- name: select_catalog_snapshot_count
-- ... the snapshots it records ...
SELECT count(*) FROM ducklake_snapshot;

-- name: select_catalog_data_file_count
-- ... and the data files.
SELECT count(*) FROM ducklake_data_file;
