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
