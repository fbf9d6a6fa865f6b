-- The articles to regroup, with what picks originals and first publishers.
SELECT a.article_id, a.outlet, a.published_at, a.first_seen, a.story_id
FROM articles AS a
JOIN story_members AS m ON m.article_id = a.article_id;
