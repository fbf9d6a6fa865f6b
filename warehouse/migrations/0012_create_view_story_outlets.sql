-- Each story with each outlet's earliest article in it and its delay behind the story's first.
CREATE VIEW story_outlets AS
SELECT
    s.story_id,
    s.first_article_id,
    s.first_published_at,
    s.outlet_count,
    a.outlet,
    arg_min(a.article_id, coalesce(a.published_at, a.first_seen)) AS article_id,
    arg_min(a.title, coalesce(a.published_at, a.first_seen)) AS title,
    min(coalesce(a.published_at, a.first_seen)) AS published_at,
    min(coalesce(a.published_at, a.first_seen)) - s.first_published_at AS pickup_delay
FROM stories AS s
JOIN articles AS a ON a.story_id = s.story_id
GROUP BY s.story_id, s.first_article_id, s.first_published_at, s.outlet_count, a.outlet;
