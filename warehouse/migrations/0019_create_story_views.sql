-- When each article appeared, as precisely as its date allows. A date at exactly midnight,
-- Casablanca time, has day precision (an aggregator prints only the day): the article appeared
-- between that midnight and the next one, and not after we first saw it.
CREATE VIEW article_timing AS
SELECT
    article_id,
    coalesce(published_at, first_seen) AS published_at,
    CASE
        WHEN published_at IS NULL THEN 'first_seen'
        WHEN CAST(timezone('Africa/Casablanca', published_at) AS TIME) = TIME '00:00:00'
            THEN 'day'
        ELSE 'exact'
    END AS precision,
    coalesce(published_at, first_seen) AS earliest_at,
    CASE
        WHEN precision = 'day' THEN greatest(published_at, least(first_seen, timezone(
            'Africa/Casablanca',
            CAST(CAST(timezone('Africa/Casablanca', published_at) AS DATE) + 1 AS TIMESTAMP))))
        ELSE coalesce(published_at, first_seen)
    END AS latest_at
FROM articles;

-- Every article of every story, in order: who published first, who followed, who copied whom,
-- and the pickup delay in minutes (never negative). A copy cannot appear before its original,
-- so its delay is measured from the original's publication; a day-precision date gives a range
-- (pickup_delay_minutes is the least delay the dates allow, pickup_delay_max_minutes the most).
CREATE VIEW story_timeline AS
WITH placed AS (
    SELECT
        a.story_id,
        a.article_id,
        a.outlet,
        a.title,
        a.canonical_url,
        a.language,
        a.duplicate_of,
        t.published_at,
        t.precision,
        CASE
            WHEN o.article_id IS NULL THEN t.earliest_at
            ELSE greatest(t.earliest_at, ot.earliest_at)
        END AS appeared_at,
        CASE
            WHEN o.article_id IS NULL THEN t.latest_at
            ELSE greatest(t.latest_at, ot.earliest_at)
        END AS appeared_until,
        o.outlet AS copy_of_outlet,
        o.canonical_url AS copy_of_url,
        ot.earliest_at AS copy_of_published_at
    FROM articles AS a
    JOIN article_timing AS t ON t.article_id = a.article_id
    LEFT JOIN articles AS o ON o.article_id = a.duplicate_of
    LEFT JOIN article_timing AS ot ON ot.article_id = a.duplicate_of
)
SELECT
    p.story_id,
    s.article_count,
    s.outlet_count,
    f.outlet AS first_outlet,
    s.first_published_at,
    p.article_id,
    p.outlet,
    CASE
        WHEN p.article_id = s.first_article_id THEN 'first'
        WHEN p.duplicate_of IS NOT NULL THEN 'copy'
        ELSE 'follow-up'
    END AS role,
    p.title,
    p.canonical_url,
    p.language,
    p.published_at,
    p.precision,
    p.appeared_at,
    greatest(0, CAST(floor((epoch(p.appeared_at) - epoch(s.first_published_at)) / 60) AS BIGINT))
        AS pickup_delay_minutes,
    greatest(0, CAST(floor((epoch(p.appeared_until) - epoch(s.first_published_at)) / 60)
        AS BIGINT)) AS pickup_delay_max_minutes,
    p.duplicate_of AS copy_of,
    p.copy_of_outlet,
    p.copy_of_url,
    CASE WHEN p.duplicate_of IS NOT NULL THEN greatest(0, CAST(floor(
        (epoch(p.appeared_at) - epoch(p.copy_of_published_at)) / 60) AS BIGINT)) END
        AS copy_delay_minutes
FROM placed AS p
JOIN stories AS s ON s.story_id = p.story_id
JOIN articles AS f ON f.article_id = s.first_article_id;

-- One row per story and outlet: that outlet's earliest article in the story and its delay
-- behind the story's first (story_timeline's rules: never negative). Replaces migration 0012's
-- view, whose delay came out negative for aggregator copies dated at midnight.
CREATE OR REPLACE VIEW story_outlets AS
SELECT
    t.story_id,
    s.first_article_id,
    s.first_published_at,
    s.outlet_count,
    t.outlet,
    arg_min(t.article_id, (t.appeared_at, t.article_id)) AS article_id,
    arg_min(t.title, (t.appeared_at, t.article_id)) AS title,
    min(t.appeared_at) AS published_at,
    min(t.pickup_delay_minutes) AS pickup_delay_minutes,
    to_minutes(min(t.pickup_delay_minutes)) AS pickup_delay
FROM story_timeline AS t
JOIN stories AS s ON s.story_id = t.story_id
GROUP BY ALL;

-- Each copy's chain back to the first holder of the text: an aggregator's copy of a wire copy
-- reaches the agency through the outlet it copied.
CREATE VIEW copy_chains AS
WITH RECURSIVE chain(article_id, hop_id, depth, outlets) AS (
    SELECT article_id, duplicate_of, 1, [outlet]
    FROM articles
    WHERE duplicate_of IS NOT NULL
    UNION ALL
    SELECT c.article_id, a.duplicate_of, c.depth + 1, list_append(c.outlets, a.outlet)
    FROM chain AS c
    JOIN articles AS a ON a.article_id = c.hop_id
    WHERE a.duplicate_of IS NOT NULL AND c.depth < 10
),
ends AS (
    SELECT article_id, arg_max(hop_id, depth) AS root_id, max(depth) AS depth,
        arg_max(outlets, depth) AS outlets
    FROM chain
    GROUP BY article_id
)
SELECT
    c.article_id,
    c.outlet,
    c.canonical_url,
    c.duplicate_of AS copy_of,
    o.outlet AS copy_of_outlet,
    o.canonical_url AS copy_of_url,
    e.root_id AS original_id,
    r.outlet AS original_outlet,
    r.canonical_url AS original_url,
    e.depth,
    list_append(e.outlets, r.outlet) AS chain
FROM ends AS e
JOIN articles AS c ON c.article_id = e.article_id
JOIN articles AS o ON o.article_id = c.duplicate_of
JOIN articles AS r ON r.article_id = e.root_id;

-- What changed in each later version of an article: title before and after, the sentences
-- removed and added, and a unified diff of the sentences.
CREATE VIEW article_changes AS
SELECT
    v.article_id,
    a.outlet,
    a.canonical_url,
    v.version,
    v.seen_at,
    v.title_before,
    v.title_after,
    v.title_before IS DISTINCT FROM v.title_after AS title_changed,
    v.removed,
    v.added,
    v.diff
FROM version_changes AS v
JOIN articles AS a ON a.article_id = v.article_id;
