-- The embedded posts of the run's articles (the rows staged_keys chose), numbered from 1 in page
-- order.
INSERT INTO embeds (run_id, article_id, position, platform, url, author, handle, text, fetched_at)
SELECT run_id, article_id, position, e.platform, e.url, e.author, e.handle, e.text, fetched_at
FROM (
    SELECT
        run_id,
        article_id,
        fetched_at,
        unnest(embeds) AS e,
        generate_subscripts(embeds, 1) AS position
    FROM staged_articles($path)
    WHERE len(embeds) > 0
);
