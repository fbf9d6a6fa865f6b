-- An article the reloaded run no longer holds but other runs saw falls back to what they saw:
-- first/last seen and fetched URL from the remaining extractions, title and text from the latest
-- remaining version (articles always hold their latest version's content). Other metadata
-- (authors, dates, categories, ...) is not kept per run, so it keeps the dropped fetch's values.
UPDATE articles SET
    first_seen = e.first_seen,
    last_seen = e.last_seen,
    url = e.url,
    extractor_version = e.extractor_version,
    title = v.latest.title,
    text = v.latest.text,
    content_hash = v.latest.content_hash,
    run_id = v.latest.run_id,
    word_count = CASE
        WHEN trim(v.latest.text) = '' THEN 0
        ELSE len(regexp_split_to_array(trim(v.latest.text), '\s+'))
    END
FROM (
    SELECT
        article_id,
        min(fetched_at) AS first_seen,
        max(fetched_at) AS last_seen,
        arg_max(url, fetched_at) AS url,
        arg_max(extractor_version, fetched_at) AS extractor_version
    FROM extractions
    WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    GROUP BY article_id
) AS e,
(
    SELECT
        article_id,
        arg_max(
            {'title': title, 'text': text, 'content_hash': content_hash, 'run_id': run_id},
            seen_at
        ) AS latest
    FROM article_versions
    WHERE article_id IN (SELECT article_id FROM previous_run_articles)
    GROUP BY article_id
) AS v
WHERE articles.article_id = e.article_id
    AND articles.article_id = v.article_id
    AND articles.article_id NOT IN (
        SELECT article_id FROM extractions WHERE run_id = $run_id AND article_id IS NOT NULL
    );
