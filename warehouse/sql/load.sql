-- Loading one run folder (warehouse.load), in the order load_run runs it, all in one
-- transaction: the outlets synced before it, the fetch log, the articles (extractions, versions,
-- articles, signatures, embeds merged; what a reload dropped restored), then the story graph
-- (stories.sql), the pages, and the per-outlet counts the report reads (read before the load
-- too, for what it replaced). The temp tables staged here are dropped here, on success only: a
-- failed load's go with its transaction. Last, what the next crawl is told (known_urls).
-- Checking the run ids of the parquet files: runfolder.sql.

-- name: upsert_outlets
-- MERGE, not ON CONFLICT: a DuckLake table has no key to conflict on (warehouse.lake).
MERGE INTO outlets AS o
USING outlet_rows AS s
ON o.id = s.id
WHEN MATCHED THEN UPDATE SET
    name = s.name,
    home = s.home,
    country = s.country,
    languages = s.languages,
    aggregator = s.aggregator,
    timezone = s.timezone
WHEN NOT MATCHED THEN INSERT (id, name, home, country, languages, aggregator, timezone)
    VALUES (s.id, s.name, s.home, s.country, s.languages, s.aggregator, s.timezone);

-- name: delete_run_fetches
-- The run's stored fetch log, except that of outlets whose fetches file is gone from the run
-- folder ($keep; warehouse/runfolder.py).
DELETE FROM fetches WHERE run_id = $run_id AND NOT list_contains(CAST($keep AS VARCHAR[]), outlet);

-- name: stage_fetches
CREATE OR REPLACE TEMP TABLE staged_fetches AS
SELECT run_id, outlet, url, status, error, bytes, duration_ms, fetched_at
FROM read_json(
    $paths,
    format = 'newline_delimited',
    compression = 'gzip',
    columns = {
        run_id: 'VARCHAR', outlet: 'VARCHAR', url: 'VARCHAR', status: 'INTEGER',
        error: 'VARCHAR', bytes: 'BIGINT', duration_ms: 'DOUBLE', fetched_at: 'TIMESTAMPTZ'
    }
);

-- name: select_staged_fetch_run_ids
SELECT DISTINCT run_id FROM staged_fetches ORDER BY run_id;

-- name: insert_fetches
INSERT INTO fetches BY NAME SELECT * FROM staged_fetches;

-- name: drop_staged_fetches
DROP TABLE IF EXISTS staged_fetches;

-- name: stage_previous_run_articles
-- Articles the run contributed before this (re)load: those it alone saw go if the reload drops
-- them.
CREATE OR REPLACE TEMP TABLE previous_run_articles AS
SELECT DISTINCT article_id
FROM extractions
WHERE run_id = $run_id AND article_id IS NOT NULL;

-- name: delete_run_extractions
DELETE FROM extractions WHERE run_id = $run_id;

-- name: delete_run_versions
DELETE FROM article_versions WHERE run_id = $run_id;

-- name: delete_run_embeds
DELETE FROM embeds WHERE run_id = $run_id;

-- name: insert_extractions
-- Every extracted page of the run, with its article_id (khabar.urls.article_id).
INSERT INTO extractions BY NAME
SELECT run_id, outlet, url, canonical_url,
    CASE WHEN verdict = 'article' THEN article_id(canonical_url) END AS article_id,
    verdict, reason, http_status, extractor, extractor_version, fetched_at
FROM read_parquet($path);

-- name: stage_articles
-- Which parquet rows become articles: one per article_id (khabar.urls.article_id, registered as
-- a function by warehouse.db.connect); a canonical URL reached twice keeps its last fetch.
-- stored: the article is in the table already. Only narrow columns are held: the statements
-- that need the text read it from the parquet file (staged_articles).
CREATE OR REPLACE TEMP TABLE staged_keys AS
SELECT file_row_number, article_id, article_id IN (SELECT article_id FROM articles) AS stored
FROM (
    SELECT file_row_number, article_id(canonical_url) AS article_id
    FROM read_parquet($path, file_row_number = true)
    WHERE verdict = 'article'
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY fetched_at DESC, url) = 1
);

-- name: create_staged_articles
-- staged_articles($path): the article rows staged_keys chose, read from the parquet file when a
-- statement needs them (a temp copy of a night's text would double the load's memory).
-- paragraphs repeats text and no table keeps it.
CREATE OR REPLACE TEMP MACRO staged_articles(path) AS TABLE
SELECT p.* EXCLUDE (paragraphs, file_row_number), k.article_id, k.stored
FROM read_parquet(path, file_row_number = true) AS p
JOIN staged_keys AS k ON k.file_row_number = p.file_row_number;

-- name: insert_changed_versions
-- A version for each staged article whose title or text differs from its version just before
-- (by time seen); version numbers are assigned afterwards by renumber_versions.
INSERT INTO article_versions (article_id, version, title, text, content_hash, seen_at, run_id)
SELECT s.article_id, 0, s.title, s.text, s.content_hash, s.fetched_at, s.run_id
FROM staged_articles($path) AS s
LEFT JOIN (
    SELECT
        s2.article_id,
        arg_max({'title': v.title, 'content_hash': v.content_hash}, v.seen_at) AS prev
    FROM staged_articles($path) AS s2
    JOIN article_versions AS v ON v.article_id = s2.article_id AND v.seen_at <= s2.fetched_at
    WHERE s2.stored  -- only a stored article has versions
    GROUP BY s2.article_id
) AS p ON p.article_id = s.article_id
WHERE p.prev IS NULL
    OR p.prev.title IS DISTINCT FROM s.title
    OR p.prev.content_hash IS DISTINCT FROM s.content_hash;

-- name: update_articles
-- Merge on article_id, part 1: a stored article takes the staged fetch when it is at least as
-- recent as the one it holds, so reloading an older run never rolls an article back; run_id
-- moves only when title/text change. first_seen, story_id and duplicate_of are kept. The text
-- (the bulk of a row) and the list columns (DuckDB updates a list by rewriting the whole row) are
-- written by update_article_texts and update_article_lists, only where they changed.
UPDATE articles SET
    outlet = s.outlet,
    canonical_url = s.canonical_url,
    url = s.url,
    title = s.title,
    subtitle = s.subtitle,
    published_at = s.published_at,
    modified_at = s.modified_at,
    language = s.language,
    description = s.description,
    image = s.image,
    word_count = s.word_count,
    last_seen = s.fetched_at,
    content_hash = s.content_hash,
    extractor_version = s.extractor_version,
    original_outlet = s.original_outlet,
    original_url = s.original_url,
    original_published_at = s.original_published_at,
    run_id = CASE
        WHEN articles.title IS NOT DISTINCT FROM s.title
            AND articles.content_hash IS NOT DISTINCT FROM s.content_hash
        THEN articles.run_id
        ELSE s.run_id
    END
FROM staged_articles($path) AS s
WHERE s.stored AND articles.article_id = s.article_id AND s.fetched_at >= articles.last_seen;

-- name: update_article_texts
-- Merge on article_id, part 1b: the text of the stored articles update_articles just took a
-- fetch for (their last_seen is now that fetch's time), where it differs. A re-fetch or a
-- re-extraction mostly finds the same text, and rewriting it would cost as much as the rest.
UPDATE articles SET text = s.text
FROM staged_articles($path) AS s
WHERE s.stored
    AND articles.article_id = s.article_id
    AND s.fetched_at = articles.last_seen
    AND articles.text IS DISTINCT FROM s.text;

-- name: update_article_lists
-- Merge on article_id, part 1c: the list columns of the stored articles update_articles just
-- took a fetch for, where they differ (a list update rewrites the whole row in DuckDB).
UPDATE articles SET authors = s.authors, categories = s.categories, tags = s.tags
FROM staged_articles($path) AS s
WHERE s.stored
    AND articles.article_id = s.article_id
    AND s.fetched_at = articles.last_seen
    AND (
        articles.authors IS DISTINCT FROM s.authors
        OR articles.categories IS DISTINCT FROM s.categories
        OR articles.tags IS DISTINCT FROM s.tags
    );

-- name: insert_new_articles
-- Merge on article_id, part 2: articles never stored before. A new article starts as its own
-- story (most stay so: update_stories then rewrites few rows).
INSERT INTO articles (
    article_id, outlet, canonical_url, url, title, subtitle, authors, published_at, modified_at,
    language, categories, tags, description, image, text, word_count, first_seen, last_seen,
    content_hash, extractor_version, original_outlet, original_url, original_published_at, run_id,
    story_id
)
SELECT
    article_id, outlet, canonical_url, url, title, subtitle, authors, published_at, modified_at,
    language, categories, tags, description, image, text, word_count, fetched_at, fetched_at,
    content_hash, extractor_version, original_outlet, original_url, original_published_at, run_id,
    article_id
FROM staged_articles($path)
WHERE NOT stored;

-- name: backdate_first_seen
-- A run loaded out of order may hold an article's earliest sighting.
UPDATE articles SET first_seen = s.fetched_at
FROM staged_articles($path) AS s
WHERE articles.article_id = s.article_id AND s.fetched_at < articles.first_seen;

-- name: upsert_signatures
-- The signature follows the article row: only the fetch the row now holds writes it.
-- MERGE, not INSERT OR REPLACE: a DuckLake table has no key to replace on (warehouse.lake).
MERGE INTO article_signatures AS t
USING (
    SELECT s.article_id, s.minhash, s.run_id
    FROM staged_articles($path) AS s
    JOIN articles AS a ON a.article_id = s.article_id AND a.last_seen = s.fetched_at
    WHERE len(s.minhash) > 0
) AS s
ON t.article_id = s.article_id
WHEN MATCHED THEN UPDATE SET minhash = s.minhash, run_id = s.run_id
WHEN NOT MATCHED THEN
    INSERT (article_id, minhash, run_id) VALUES (s.article_id, s.minhash, s.run_id);

-- name: select_parquet_has_embeds
-- Whether an articles.parquet has the embeds column (files written before it existed do not).
SELECT count(*) > 0 FROM parquet_schema($path) WHERE name = 'embeds';

-- name: insert_embeds
-- The embedded posts of the run's articles (the rows staged_keys chose), numbered from 1 in page
-- order.
INSERT INTO embeds (run_id, article_id, position, platform, url, author, handle, text, fetched_at)
SELECT run_id, article_id, position, e.platform, e.url, e.author, e.handle, e.text, fetched_at
FROM (
    SELECT
        run_id,
        article_id,
        fetched_at,
        unnest(embeds) AS e,
        generate_subscripts(embeds, 1) AS position
    FROM staged_articles($path)
    WHERE len(embeds) > 0
);

-- name: drop_staged_articles
DROP MACRO TABLE IF EXISTS staged_articles;

-- name: drop_staged_keys
DROP TABLE IF EXISTS staged_keys;

-- name: update_published_dates
-- articles.published_date of the articles this run's load touched: published_at's calendar day
-- in the outlet's time zone (outlets.timezone, from the registry). Only rows whose day changes
-- are written.
UPDATE articles SET published_date = d.day
FROM (
    SELECT
        a.article_id,
        CAST(timezone(coalesce(o.timezone, 'Africa/Casablanca'), a.published_at) AS DATE) AS day
    FROM articles AS a
    LEFT JOIN outlets AS o ON o.id = a.outlet
    WHERE a.article_id IN (SELECT article_id FROM extractions WHERE run_id = $run_id)
) AS d
WHERE articles.article_id = d.article_id AND articles.published_date IS DISTINCT FROM d.day;

-- name: select_previous_run_article_count
-- Articles the run contributed before this load: none on a run's first load, when the reload's
-- statements (orphans, missing versions, restored articles) have nothing to do.
SELECT count(*) FROM previous_run_articles;

-- name: delete_orphan_articles
-- An article only the reloaded run had seen, and that the reload no longer holds, goes entirely.
DELETE FROM articles
WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    AND article_id NOT IN (
        SELECT article_id FROM extractions WHERE article_id IS NOT NULL
    );

-- name: delete_orphan_signatures
DELETE FROM article_signatures
WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    AND article_id NOT IN (SELECT article_id FROM articles);

-- name: delete_orphan_versions
DELETE FROM article_versions
WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    AND article_id NOT IN (SELECT article_id FROM articles);

-- name: insert_missing_versions
-- An article left with no version (the reloaded run held its only one, and later runs saw the
-- same content, so they wrote none) gets one from its earliest remaining fetch: the content it
-- holds is the content those runs saw.
INSERT INTO article_versions (article_id, version, title, text, content_hash, seen_at, run_id)
SELECT a.article_id, 0, a.title, a.text, a.content_hash, e.seen_at, e.run_id
FROM articles AS a
JOIN (
    SELECT article_id, min(fetched_at) AS seen_at, arg_min(run_id, fetched_at) AS run_id
    FROM extractions
    WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    GROUP BY article_id
) AS e ON e.article_id = a.article_id
WHERE a.article_id NOT IN (SELECT article_id FROM article_versions);

-- name: restore_dropped_articles
-- An article the reloaded run no longer holds but other runs saw falls back to what they saw:
-- first/last seen and fetched URL from the remaining extractions, title and text from the latest
-- remaining version (articles always hold their latest version's content). Other metadata
-- (authors, dates, categories, ...) is not kept per run, so it keeps the dropped fetch's values.
-- Only dropped articles are looked at, and texts are fetched for the chosen versions only, so a
-- reload that drops nothing costs nothing here.
UPDATE articles SET
    first_seen = e.first_seen,
    last_seen = e.last_seen,
    url = e.url,
    extractor_version = e.extractor_version,
    title = v.title,
    text = v.text,
    content_hash = v.content_hash,
    run_id = v.run_id,
    word_count = CASE
        WHEN trim(v.text) = '' THEN 0
        ELSE len(regexp_split_to_array(trim(v.text), '\s+'))
    END
FROM (
    SELECT
        article_id,
        min(fetched_at) AS first_seen,
        max(fetched_at) AS last_seen,
        arg_max(url, fetched_at) AS url,
        arg_max(extractor_version, fetched_at) AS extractor_version
    FROM extractions
    WHERE article_id IN (
        SELECT article_id FROM previous_run_articles
        EXCEPT
        SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
    )
    GROUP BY article_id
) AS e,
(
    SELECT v.article_id, v.title, v.text, v.content_hash, v.run_id
    FROM article_versions AS v
    JOIN (
        SELECT article_id, arg_max(run_id, seen_at) AS run_id
        FROM article_versions
        WHERE article_id IN (
            SELECT article_id FROM previous_run_articles
            EXCEPT
            SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
        )
        GROUP BY article_id
    ) AS latest ON latest.article_id = v.article_id AND latest.run_id = v.run_id
) AS v
WHERE articles.article_id = e.article_id
    AND articles.article_id = v.article_id;

-- name: select_stale_signatures
-- Signatures taken from a fetch of the reloaded run that the reload no longer holds (so among
-- the articles the run held before).
SELECT a.article_id, a.text, a.run_id
FROM article_signatures AS s
JOIN articles AS a ON a.article_id = s.article_id
WHERE s.run_id = $run_id
    AND s.article_id IN (SELECT article_id FROM previous_run_articles)
    AND a.article_id NOT IN (
        SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
    );

-- name: delete_listed_signatures
DELETE FROM article_signatures WHERE article_id IN (SELECT article_id FROM signature_rows);

-- name: replace_signatures
INSERT INTO article_signatures (article_id, minhash, run_id)
SELECT article_id, minhash, run_id FROM signature_rows WHERE len(minhash) > 0;

-- name: stage_changed_articles
-- The articles a (re)load of the run can have changed: those it holds now or held before. No
-- other article's versions or signature moved, so the steps after the merge look at these only.
CREATE OR REPLACE TEMP TABLE changed_articles AS
SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
UNION
SELECT article_id FROM previous_run_articles;

-- name: delete_repeated_versions
-- A version that repeats the one before it (same title and text, by time seen) is no change.
-- It comes from runs loaded out of fetch order (two nights at once: the later night's load ran
-- first, then the earlier night's fetch became the first version): deleted, for the articles
-- the load touched, so their versions are those of a load in fetch order.
DELETE FROM article_versions AS v
USING (
    SELECT article_id, run_id
    FROM (
        SELECT
            article_id,
            run_id,
            title IS NOT DISTINCT FROM lag(title) OVER w
                AND content_hash IS NOT DISTINCT FROM lag(content_hash) OVER w
                AND row_number() OVER w > 1 AS repeated
        FROM article_versions
        WHERE article_id IN (SELECT article_id FROM changed_articles)
        WINDOW w AS (PARTITION BY article_id ORDER BY seen_at, run_id)
    )
    WHERE repeated
) AS r
WHERE v.article_id = r.article_id AND v.run_id = r.run_id;

-- name: update_article_run_ids
-- articles.run_id is the run of the article's latest version (the run that last changed its
-- title or text), for the articles the load touched: after delete_repeated_versions, a version
-- deleted as a repeat no longer names the run that changed the article.
UPDATE articles SET run_id = l.run_id
FROM (
    SELECT article_id, last(run_id ORDER BY seen_at, run_id) AS run_id
    FROM article_versions
    WHERE article_id IN (SELECT article_id FROM changed_articles)
    GROUP BY article_id
) AS l
WHERE articles.article_id = l.article_id AND articles.run_id IS DISTINCT FROM l.run_id;

-- name: renumber_versions
-- Versions numbered 1, 2, ... by time seen, for the articles the load changed.
UPDATE article_versions SET version = r.version
FROM (
    SELECT article_id, run_id,
        row_number() OVER (PARTITION BY article_id ORDER BY seen_at, run_id) AS version
    FROM article_versions
    WHERE article_id IN (SELECT article_id FROM changed_articles)
) AS r
WHERE article_versions.article_id = r.article_id
    AND article_versions.run_id = r.run_id
    AND article_versions.version <> r.version;

-- name: select_changed_articles
SELECT article_id FROM changed_articles;

-- name: drop_changed_articles
DROP TABLE IF EXISTS changed_articles;

-- name: drop_previous_run_articles
DROP TABLE IF EXISTS previous_run_articles;

-- name: delete_run_pages
-- The run's stored pages, except those of outlets whose raw file is gone from the run folder
-- ($keep: the pages are stored already; warehouse/runfolder.py).
DELETE FROM pages WHERE run_id = $run_id AND NOT list_contains(CAST($keep AS VARCHAR[]), outlet);

-- name: select_pages_parquet_refetched
-- Rows of a run's pages.parquet that another row of the same URL supersedes or is superseded by.
SELECT count(*) - count(DISTINCT url) FROM read_parquet($path);

-- name: insert_run_pages
-- The run's pages from its pages.parquet (rows in raw file order, bodies already compressed by
-- the extraction workers): a URL fetched twice in the run keeps its latest fetch, ties the later
-- line, a missing fetched_at counting as the oldest (as warehouse/rawpages.py latest_fetches).
-- The winners are chosen on the narrow columns first, so that no body waits in a window.
INSERT INTO pages BY NAME
SELECT run_id, outlet, url, final_url, status, headers, body, content_sha256, fetched_at, sources
FROM read_parquet($path, file_row_number = true)
WHERE file_row_number IN (
    SELECT file_row_number
    FROM read_parquet($path, file_row_number = true)
    QUALIFY row_number() OVER (
        PARTITION BY url ORDER BY fetched_at DESC NULLS LAST, file_row_number DESC
    ) = 1
);

-- name: insert_run_pages_all
-- The run's pages from its pages.parquet when every URL in it was fetched once (bodies already
-- compressed by the extraction workers); insert_run_pages otherwise.
INSERT INTO pages BY NAME
SELECT run_id, outlet, url, final_url, status, headers, body, content_sha256, fetched_at, sources
FROM read_parquet($path);

-- name: delete_run_pages_listed
-- Pages of the run superseded by a later fetch of the same URL further in the raw files.
DELETE FROM pages WHERE run_id = $run_id AND url IN (SELECT unnest($urls::VARCHAR[]));

-- name: insert_pages
INSERT INTO pages BY NAME
SELECT run_id, outlet, url, final_url, status, headers, body, content_sha256, fetched_at, sources
FROM staged_pages;

-- name: select_run_outlet_counts
-- Per-outlet counts of one run, from what the load stored (so a reload reports the same).
WITH
p AS (SELECT outlet, count(*) AS pages FROM pages WHERE run_id = $run_id GROUP BY outlet),
f AS (
    SELECT
        outlet,
        count(*) AS fetches,
        count(*) FILTER (WHERE error IS NOT NULL OR coalesce(status, 0) >= 400) AS fetch_errors
    FROM fetches
    WHERE run_id = $run_id
    GROUP BY outlet
),
e AS (
    SELECT
        outlet,
        count(*) FILTER (WHERE verdict = 'error') AS extraction_errors,
        count(*) FILTER (WHERE verdict NOT IN ('article', 'error')) AS non_articles
    FROM extractions
    WHERE run_id = $run_id
    GROUP BY outlet
),
v AS (
    SELECT
        a.outlet,
        count(*) FILTER (WHERE v.version = 1) AS articles_new,
        count(*) FILTER (WHERE v.version > 1) AS articles_updated
    FROM article_versions AS v
    JOIN articles AS a ON a.article_id = v.article_id
    WHERE v.run_id = $run_id
    GROUP BY a.outlet
),
d AS (
    SELECT outlet, count(*) AS duplicates
    FROM articles
    WHERE duplicate_of IS NOT NULL
        AND article_id IN (SELECT article_id FROM extractions WHERE run_id = $run_id)
    GROUP BY outlet
),
o AS (SELECT outlet FROM p UNION SELECT outlet FROM f UNION SELECT outlet FROM e)
SELECT
    o.outlet,
    coalesce(f.fetches, 0) AS fetches,
    coalesce(p.pages, 0) AS pages,
    coalesce(v.articles_new, 0) AS articles_new,
    coalesce(v.articles_updated, 0) AS articles_updated,
    coalesce(d.duplicates, 0) AS duplicates,
    coalesce(e.non_articles, 0) AS non_articles,
    coalesce(f.fetch_errors, 0) AS fetch_errors,
    coalesce(e.extraction_errors, 0) AS extraction_errors
FROM o
LEFT JOIN p ON p.outlet = o.outlet
LEFT JOIN f ON f.outlet = o.outlet
LEFT JOIN e ON e.outlet = o.outlet
LEFT JOIN v ON v.outlet = o.outlet
LEFT JOIN d ON d.outlet = o.outlet
ORDER BY o.outlet;

-- name: select_known_urls
-- URLs the crawler must not fetch again: every address of a stored article, and pages that
-- answered but were not articles (soft 404s, listings, ...): without them a soft 404 matching
-- the article pattern would be fetched every night. Failed fetches, and pages extracted as
-- `error` (empty body, unparseable) or `blocked` (a bot challenge) are left out: retried.
SELECT canonical_url AS url FROM articles WHERE outlet = $outlet
UNION
SELECT url FROM articles WHERE outlet = $outlet
UNION
SELECT url FROM extractions
WHERE outlet = $outlet AND verdict NOT IN ('article', 'error', 'blocked') AND http_status < 400
ORDER BY url;
