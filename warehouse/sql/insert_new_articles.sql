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
