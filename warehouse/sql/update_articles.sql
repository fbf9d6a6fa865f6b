-- Merge on article_id, part 1: a stored article takes the staged fetch when it is at least as
-- recent as the one it holds, so reloading an older run never rolls an article back; run_id
-- moves only when title/text change. first_seen, story_id and duplicate_of are kept. The text
-- (the bulk of a row) and the list columns (DuckDB updates a list by rewriting the whole row) are
-- written by update_article_texts.sql and update_article_lists.sql, only where they changed.
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
