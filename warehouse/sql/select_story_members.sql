-- The articles to regroup, with what picks originals and first publishers.
SELECT article_id, outlet, published_at, first_seen, story_id
FROM story_members;
