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
