-- A story is named after its first article (story_id = first_article_id, chosen in stories.py).
INSERT INTO stories (story_id, first_article_id, first_published_at, article_count, outlet_count)
SELECT
    a.story_id,
    a.story_id,
    any_value(coalesce(f.published_at, f.first_seen)),
    count(*),
    count(DISTINCT a.outlet)
FROM articles AS a
JOIN articles AS f ON f.article_id = a.story_id
GROUP BY a.story_id;
