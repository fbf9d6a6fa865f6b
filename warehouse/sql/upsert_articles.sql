-- Merge on article_id. Only a fetch at least as recent as the stored one overwrites the row, so
-- reloading an older run never rolls an article back; run_id moves only when title/text change.
INSERT INTO articles (
    article_id, outlet, canonical_url, url, title, subtitle, authors, published_at, modified_at,
    language, categories, tags, description, image, text, word_count, first_seen, last_seen,
    content_hash, extractor_version, original_outlet, original_url, original_published_at, run_id
)
SELECT
    article_id, outlet, canonical_url, url, title, subtitle, authors, published_at, modified_at,
    language, categories, tags, description, image, text, word_count, fetched_at, fetched_at,
    content_hash, extractor_version, original_outlet, original_url, original_published_at, run_id
FROM staged_articles
ON CONFLICT (article_id) DO UPDATE SET
    outlet = excluded.outlet,
    canonical_url = excluded.canonical_url,
    url = excluded.url,
    title = excluded.title,
    subtitle = excluded.subtitle,
    authors = excluded.authors,
    published_at = excluded.published_at,
    modified_at = excluded.modified_at,
    language = excluded.language,
    categories = excluded.categories,
    tags = excluded.tags,
    description = excluded.description,
    image = excluded.image,
    text = excluded.text,
    word_count = excluded.word_count,
    last_seen = excluded.last_seen,
    content_hash = excluded.content_hash,
    extractor_version = excluded.extractor_version,
    original_outlet = excluded.original_outlet,
    original_url = excluded.original_url,
    original_published_at = excluded.original_published_at,
    run_id = CASE
        WHEN articles.title IS NOT DISTINCT FROM excluded.title
            AND articles.content_hash IS NOT DISTINCT FROM excluded.content_hash
        THEN articles.run_id
        ELSE excluded.run_id
    END
WHERE excluded.last_seen >= articles.last_seen;
