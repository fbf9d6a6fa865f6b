-- Original articles (not copies), newest first, with the outlet's name.
CREATE VIEW latest_articles AS
SELECT
    a.article_id,
    a.outlet,
    o.name AS outlet_name,
    a.title,
    a.canonical_url,
    coalesce(a.published_at, a.first_seen) AS published_at,
    a.language,
    a.word_count,
    a.story_id,
    a.last_seen
FROM articles AS a
LEFT JOIN outlets AS o ON o.id = a.outlet
WHERE a.duplicate_of IS NULL
ORDER BY coalesce(a.published_at, a.first_seen) DESC, a.article_id;
