-- The story graph brought up to date inside a load's transaction (warehouse.stories
-- .update_stories, with warehouse.story_features), in the order it runs: the features stored
-- before migration 0020 completed (complete_features, also before the load's transaction);
-- the changed articles staged; their old features, keys and links deleted; features and keys
-- copied from the run's parquet file or computed; candidates found and scored into links;
-- stories regrouped; version changes written; the temp tables dropped (on success only: a
-- failed load's go with its transaction).

-- name: select_unfilled_feature_days
-- Days of the story_features rows stored before migration 0020 (outlet still NULL), with how
-- many each: they get the columns it added a slice of days at a time.
SELECT day, count(*) AS articles
FROM story_features
WHERE outlet IS NULL
GROUP BY day
ORDER BY day;

-- name: stage_feature_refill
-- The story_features rows of days [$first, $last] stored before migration 0020, with the
-- columns it added (articles.outlet, the publication time, the stored signature).
CREATE OR REPLACE TEMP TABLE story_refill AS
WITH f AS (
    SELECT * EXCLUDE (outlet, published, minhash)
    FROM story_features
    WHERE day BETWEEN $first AND $last AND outlet IS NULL
)
SELECT f.*, a.outlet, coalesce(a.published_at, a.first_seen) AS published, s.minhash
FROM f
JOIN articles AS a ON a.article_id = f.article_id
LEFT JOIN article_signatures AS s ON s.article_id = f.article_id;

-- name: delete_feature_refill
-- The incomplete rows stage_feature_refill completed.
DELETE FROM story_features WHERE day BETWEEN $first AND $last AND outlet IS NULL;

-- name: insert_feature_refill
-- The completed rows, in day order.
INSERT INTO story_features BY NAME SELECT * FROM story_refill ORDER BY day, article_id;

-- name: drop_feature_refill
DROP TABLE IF EXISTS story_refill;

-- name: stage_story_changes
-- Articles whose signature may have changed since the story index was last brought up to date
-- (the loader lists every article the run touched; a superset only costs time).
CREATE OR REPLACE TEMP TABLE story_changes AS
SELECT DISTINCT article_id FROM changed_rows;

-- name: select_story_graph_gaps
-- Stored articles without story features outside the changes (a database just migrated to the
-- story graph, or damaged): then the graph is rebuilt from every article. Two counts, each a
-- scan of one column against the small set of changes (no join of all articles with all
-- features: a night on 1M stored).
SELECT
    (SELECT count(*) FROM articles
        WHERE article_id NOT IN (SELECT article_id FROM story_changes))
    - (SELECT count(*) FROM story_features
        WHERE article_id NOT IN (SELECT article_id FROM story_changes));

-- name: stage_all_story_changes
-- Every article the story graph holds or should hold: rebuilds it from scratch.
CREATE OR REPLACE TEMP TABLE story_changes AS
SELECT article_id FROM articles
UNION SELECT article_id FROM story_features
UNION SELECT article_id FROM story_links
UNION SELECT other_id FROM story_links;

-- name: stage_story_seeds
-- The articles whose story or copy link may move: the changed ones and, before their links are
-- deleted, every article linked to them (a link removed can split their story). One scan of
-- story_links for both ends.
CREATE OR REPLACE TEMP TABLE story_seeds AS
SELECT article_id FROM story_changes
UNION
SELECT unnest([article_id, other_id]) FROM story_links
WHERE article_id IN (SELECT article_id FROM story_changes)
    OR other_id IN (SELECT article_id FROM story_changes);

-- name: stage_story_sources
-- The changed articles that exist, with what their story_features rows carry besides the
-- text-derived features (day, language, outlet, publication time), which fetch they hold
-- (last_seen) and their addresses (insert_declared_links): one scan of narrow columns of
-- articles, which the statements after read instead of articles (a join that reads title and
-- text scans every stored text: 0.4 s a night at 100,000 stored, growing with the warehouse).
CREATE OR REPLACE TEMP TABLE story_sources AS
SELECT
    a.article_id,
    CAST(floor(epoch(coalesce(a.published_at, a.first_seen)) / 86400) AS INTEGER) AS day,
    a.language,
    a.outlet,
    coalesce(a.published_at, a.first_seen) AS published,
    a.last_seen,
    a.canonical_url,
    a.url,
    a.original_url
FROM articles AS a
JOIN story_changes AS c ON c.article_id = a.article_id;

-- name: delete_changed_story_keys
-- The changed articles' old days come from story_features (still there): a day filter lets
-- DuckDB skip the row groups of other days by their min/max instead of reading every key.
DELETE FROM story_keys
WHERE day IN (
        SELECT DISTINCT f.day FROM story_features AS f
        JOIN story_changes AS c ON c.article_id = f.article_id
    )
    AND article_id IN (SELECT article_id FROM story_changes);

-- name: delete_changed_story_features
DELETE FROM story_features WHERE article_id IN (SELECT article_id FROM story_changes);

-- name: delete_changed_story_links
DELETE FROM story_links
WHERE article_id IN (SELECT article_id FROM story_changes)
    OR other_id IN (SELECT article_id FROM story_changes);

-- name: select_parquet_has_story
-- Whether the run's articles.parquet carries the story features the extraction workers compute
-- (files written before them do not).
SELECT count(*) > 0 FROM parquet_schema($path) WHERE name = 'story';

-- name: stage_parquet_story
-- The story features (and MinHash signature) the extraction workers computed, for the changed
-- articles that hold a row of this file: the row the load just merged, the one whose fetch time
-- is the article's last_seen (load.sql:update_articles takes a fetch at least as recent as the
-- stored one, title and text with it; load.sql:stage_articles breaks ties by URL, as here). No text
-- is read: comparing hashes of the stored texts scanned every stored text. An empty signature
-- is not stored (load.sql:upsert_signatures keeps the old one): NULL here, filled from
-- article_signatures by update_parquet_story_signatures.
CREATE OR REPLACE TEMP TABLE parquet_story AS
WITH matched AS (
    SELECT r.file_row_number, s.article_id
    FROM (
        SELECT file_row_number, article_id(canonical_url) AS article_id, fetched_at, url
        FROM read_parquet($path, file_row_number = true)
        WHERE verdict = 'article'
    ) AS r
    JOIN story_sources AS s ON s.article_id = r.article_id AND s.last_seen = r.fetched_at
    QUALIFY row_number() OVER (PARTITION BY s.article_id ORDER BY r.url) = 1
)
SELECT
    m.article_id,
    p.story,
    CASE WHEN len(p.minhash) > 0 THEN p.minhash END AS minhash
FROM matched AS m
JOIN read_parquet($path, file_row_number = true) AS p
    ON p.file_row_number = m.file_row_number
WHERE p.story IS NOT NULL;

-- name: select_parquet_story_unsigned
SELECT count(*) FROM parquet_story WHERE minhash IS NULL;

-- name: update_parquet_story_signatures
-- The stored signature of the copied rows whose fetch had none (a text without words keeps the
-- signature of an earlier fetch, if any).
UPDATE parquet_story SET minhash = s.minhash
FROM article_signatures AS s
WHERE s.article_id = parquet_story.article_id AND parquet_story.minhash IS NULL;

-- name: insert_parquet_story_features
-- In day order: the pair features of a window's days are read by day range (zone maps).
INSERT INTO story_features (
    article_id, day, language, title, lead, names, numbers, shingles, outlet, published, minhash
)
SELECT p.article_id, s.day, s.language, p.story.title, p.story.lead, p.story.names,
    p.story.numbers, p.story.shingles, s.outlet, s.published, p.minhash
FROM parquet_story AS p
JOIN story_sources AS s ON s.article_id = p.article_id
ORDER BY s.day, p.article_id;

-- name: insert_parquet_story_keys
INSERT INTO story_keys (article_id, day, key, band)
SELECT p.article_id, s.day, unnest(p.story.keys), false
FROM parquet_story AS p
JOIN story_sources AS s ON s.article_id = p.article_id
ORDER BY s.day, p.article_id;

-- name: select_parquet_story_signatures
-- The copied rows' signatures, for their LSH keys.
SELECT p.article_id, s.day, p.minhash
FROM parquet_story AS p
JOIN story_sources AS s ON s.article_id = p.article_id
WHERE p.minhash IS NOT NULL
ORDER BY s.day, p.article_id;

-- name: stage_story_todo
-- The changed articles whose features the run's file did not give, numbered in day order: they
-- are computed here, a slice of seq at a time (rows inserted in day order).
CREATE OR REPLACE TEMP TABLE story_todo AS
SELECT *, row_number() OVER (ORDER BY day, article_id) - 1 AS seq
FROM story_sources
WHERE article_id NOT IN (SELECT article_id FROM parquet_story);

-- name: stage_story_todo_all
-- Every changed article's features are computed here (no run file gave them): see
-- stage_story_todo.
CREATE OR REPLACE TEMP TABLE story_todo AS
SELECT *, row_number() OVER (ORDER BY day, article_id) - 1 AS seq
FROM story_sources;

-- name: select_story_todo_count
SELECT count(*) FROM story_todo;

-- name: select_changed_story_texts
-- What the features of one slice of story_todo (seq in [$first, $stop)) are made of, with the
-- stored signature.
SELECT
    t.article_id,
    t.day,
    t.outlet,
    t.published,
    a.title,
    a.text,
    a.language,
    s.minhash
FROM story_todo AS t
JOIN articles AS a ON a.article_id = t.article_id
LEFT JOIN article_signatures AS s ON s.article_id = t.article_id
WHERE t.seq >= $first AND t.seq < $stop
ORDER BY t.seq;

-- name: insert_story_features
INSERT INTO story_features BY NAME SELECT * FROM feature_rows;

-- name: insert_story_keys
INSERT INTO story_keys BY NAME SELECT * FROM key_rows;

-- name: select_story_change_days
-- Days of the changed articles with how many articles each: the candidate search goes a slice
-- of days at a time.
SELECT day, count(*) AS articles
FROM story_sources
GROUP BY day
ORDER BY day;

-- name: select_story_candidates
-- Candidate pairs for the changed articles published on days [$first, $last]: another article
-- within $window days that shares one LSH bucket, or $min_keys entity keys (names, figures,
-- title words). Keys held by more than $hot_share of the searched days' articles (and more than
-- $hot_min) are left out (transforms/story.py, HOT_KEY_SHARE, says why). The constant day
-- ranges let DuckDB skip other days' row groups.
-- One statement, each pair from one side only: an article holds a key once, so count(*) counts
-- shared keys. A temp table of the changed keys and count(DISTINCT key) over both sides cost
-- 20 % more CPU (0.52 s against 0.41 s for the 13 slices of a 10,000-article run).
WITH changed AS (
    SELECT k.article_id, k.day, k.key, k.band
    FROM story_keys AS k
    JOIN story_changes AS c ON c.article_id = k.article_id
    WHERE k.day BETWEEN $first AND $last
),
hot AS (
    SELECT key
    FROM story_keys
    WHERE day BETWEEN $first - $window AND $last + $window
        AND key IN (SELECT key FROM changed)
    GROUP BY key
    HAVING count(*) > greatest($hot_min, $hot_share * (
        SELECT count(*) FROM story_features
        WHERE day BETWEEN $first - $window AND $last + $window
    ))
),
m AS (
    SELECT * FROM changed WHERE key NOT IN (SELECT key FROM hot)
)
SELECT least(m.article_id, s.article_id) AS article_id,
    greatest(m.article_id, s.article_id) AS other_id
FROM m
JOIN story_keys AS s
    ON s.key = m.key AND s.day BETWEEN m.day - $window AND m.day + $window
LEFT JOIN story_changes AS c ON c.article_id = s.article_id
WHERE s.day BETWEEN $first - $window AND $last + $window
    AND s.article_id <> m.article_id
    -- A changed article of an earlier slice did not find this pair (it was later than that
    -- slice); one of a later slice will find it itself; two of this slice find it once, from
    -- the smaller id.
    AND (c.article_id IS NULL OR s.day < $first
         OR (s.day <= $last AND m.article_id < s.article_id))
GROUP BY m.article_id, s.article_id
HAVING bool_or(m.band) OR count(*) FILTER (WHERE NOT m.band) >= $min_keys;

-- name: select_story_pair_features
-- What the scorer needs of each listed article, all in story_features. Every candidate pair of
-- a slice lies within the days [$first, $last] (the slice's days and the window around them):
-- the day range lets DuckDB skip other days' row groups, so the cost follows the window, not
-- the warehouse (a join on every stored signature cost 0.28 s a slice at 100,000 stored).
SELECT article_id, language, title, lead, names, numbers, shingles, minhash, outlet, published
FROM story_features
WHERE day BETWEEN $first AND $last
    AND article_id IN (SELECT article_id FROM wanted_ids);

-- name: insert_story_links
INSERT INTO story_links BY NAME SELECT * FROM link_rows;

-- name: insert_declared_links
-- Aggregator copies naming their original (original_url = a stored article's canonical URL or
-- URL), for every pair with a changed article on either side. The changed side is story_sources
-- (staged once); the stored side is read by three hash joins whose build side is the night's
-- few addresses: a canonical URL by the article's key (the key is article_id(canonical_url), so
-- the join reads the key column, not every stored canonical URL), a URL, and the stored copies'
-- own original_url (null but for aggregators' copies). At 1,000,000 stored: 0.11 s of CPU
-- against 0.45 s for four joins of the changed articles with every stored address.
INSERT INTO story_links (article_id, other_id, kind)
WITH pairs AS (
    SELECT c.article_id, o.article_id AS other_id
    FROM story_sources AS c
    JOIN articles AS o ON o.article_id = article_id(c.original_url)
    UNION
    SELECT c.article_id, o.article_id
    FROM story_sources AS c JOIN articles AS o ON o.url = c.original_url
    UNION
    SELECT c.article_id, o.article_id
    FROM articles AS c
    JOIN (
        SELECT article_id, canonical_url AS address FROM story_sources
        UNION
        SELECT article_id, url FROM story_sources
    ) AS o ON c.original_url = o.address
)
SELECT article_id, other_id, 'declared'
FROM pairs
WHERE article_id <> other_id;

-- name: stage_story_members
-- The articles to regroup, with what picks originals and first publishers: the seeds, the
-- articles newly linked to them, and every member of the stories any of these belonged to.
-- Stories outside it keep their rows untouched. Two scans of narrow columns of articles (the
-- seeds' stories, then their members); select_story_members and stage_wanted_stories read this
-- table instead of articles (each read of articles scans every stored article_id or story_id:
-- the four reads cost 0.29 s of CPU a night at 1,000,000 stored, these two 0.13 s).
CREATE OR REPLACE TEMP TABLE story_members AS
WITH seeds AS (
    SELECT article_id FROM story_seeds
    UNION
    SELECT unnest([article_id, other_id]) FROM story_links
    WHERE article_id IN (SELECT article_id FROM story_seeds)
        OR other_id IN (SELECT article_id FROM story_seeds)
),
old_stories AS (
    SELECT DISTINCT a.story_id FROM articles AS a JOIN seeds AS s ON s.article_id = a.article_id
    WHERE a.story_id IS NOT NULL
)
SELECT article_id, outlet, published_at, first_seen, story_id
FROM articles
WHERE article_id IN (SELECT article_id FROM seeds)
    OR story_id IN (SELECT story_id FROM old_stories);

-- name: select_story_members
-- The articles to regroup, with what picks originals and first publishers.
SELECT article_id, outlet, published_at, first_seen, story_id
FROM story_members;

-- name: select_story_member_links
-- Every link among the articles to regroup (a link's two ends are always in one story).
SELECT l.article_id, l.other_id, l.kind, l.containment
FROM story_links AS l
WHERE l.article_id IN (SELECT article_id FROM story_members)
    AND l.other_id IN (SELECT article_id FROM story_members);

-- name: update_story_ids
UPDATE articles SET story_id = m.story_id, duplicate_of = m.duplicate_of
FROM story_map AS m
WHERE articles.article_id = m.article_id
    AND (articles.story_id IS DISTINCT FROM m.story_id
        OR articles.duplicate_of IS DISTINCT FROM m.duplicate_of);

-- name: stage_wanted_stories
-- The rows of every story the regrouped articles belong to now. A story is named after its first
-- article (story_id = first_article_id, chosen in transforms.story). Read from story_map and
-- story_members, not articles: every article of these stories is a member (story_members takes
-- whole stories), and a story the members left that no article holds has no row here, so
-- delete_changed_stories removes it.
CREATE OR REPLACE TEMP TABLE wanted_stories AS
SELECT
    m.story_id,
    m.story_id AS first_article_id,
    any_value(coalesce(a.published_at, a.first_seen)) FILTER (WHERE a.article_id = m.story_id)
        AS first_published_at,
    count(*) AS article_count,
    count(DISTINCT a.outlet) AS outlet_count
FROM story_map AS m
JOIN story_members AS a ON a.article_id = m.article_id
GROUP BY m.story_id;

-- name: delete_changed_stories
-- Story rows of the touched stories that are gone or differ from wanted_stories (a night leaves
-- most of a large warehouse's stories untouched, and never reads them).
DELETE FROM stories
WHERE story_id IN (SELECT story_id FROM story_map UNION SELECT old_story_id FROM story_map)
    AND NOT EXISTS (
        SELECT 1
        FROM wanted_stories AS w
        WHERE w.story_id = stories.story_id
            AND w.first_published_at IS NOT DISTINCT FROM stories.first_published_at
            AND w.article_count = stories.article_count
            AND w.outlet_count = stories.outlet_count
    );

-- name: insert_stories
INSERT INTO stories (story_id, first_article_id, first_published_at, article_count, outlet_count)
SELECT story_id, first_article_id, first_published_at, article_count, outlet_count
FROM wanted_stories
WHERE story_id NOT IN (SELECT story_id FROM stories);

-- name: delete_orphan_stories
-- Stories whose every article was deleted by a reload (their ids were in no story_map row).
-- The story ids still in use among the changed ids are those story_map gives: an article holding
-- one is a member of that story, so it is in story_map (a NOT IN over every stored story id, or
-- a scan of articles' story_id, read every stored article each night).
DELETE FROM stories
WHERE story_id IN (
    SELECT article_id FROM story_changes
    EXCEPT
    SELECT story_id FROM story_map
);

-- name: drop_wanted_stories
DROP TABLE IF EXISTS wanted_stories;

-- name: delete_changed_version_changes
DELETE FROM version_changes WHERE article_id IN (SELECT article_id FROM story_changes);

-- name: stage_story_versioned
-- The changed articles with a later version (a scan of two narrow columns): most nights have
-- few, and select_changed_versions then reads only their texts.
CREATE OR REPLACE TEMP TABLE story_versioned AS
SELECT DISTINCT article_id
FROM article_versions
WHERE version > 1 AND article_id IN (SELECT article_id FROM story_changes);

-- name: select_story_versioned_count
SELECT count(*) FROM story_versioned;

-- name: select_changed_versions
-- Each later version of the changed articles that have one, with the version before it.
SELECT article_id, version, seen_at, title_before, title, text_before, text
FROM (
    SELECT
        v.article_id,
        v.version,
        v.seen_at,
        lag(v.title) OVER w AS title_before,
        v.title,
        lag(v.text) OVER w AS text_before,
        v.text
    FROM article_versions AS v
    JOIN story_versioned AS c ON c.article_id = v.article_id
    WINDOW w AS (PARTITION BY v.article_id ORDER BY v.version)
)
WHERE version > 1;

-- name: insert_version_changes
INSERT INTO version_changes BY NAME SELECT * FROM change_rows;

-- name: drop_story_changes
DROP TABLE IF EXISTS story_changes;
DROP TABLE IF EXISTS story_seeds;
DROP TABLE IF EXISTS story_sources;
DROP TABLE IF EXISTS story_todo;
DROP TABLE IF EXISTS story_members;
DROP TABLE IF EXISTS story_versioned;
DROP TABLE IF EXISTS parquet_story;

-- name: select_story_count
SELECT count(*) FROM stories;
