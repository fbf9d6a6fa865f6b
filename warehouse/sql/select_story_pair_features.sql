-- What the scorer needs of each listed article.
SELECT
    f.article_id,
    f.language,
    f.title,
    f.lead,
    f.names,
    f.numbers,
    f.shingles,
    s.minhash,
    a.outlet,
    coalesce(a.published_at, a.first_seen) AS published
FROM wanted_ids AS w
JOIN story_features AS f ON f.article_id = w.article_id
JOIN articles AS a ON a.article_id = w.article_id
LEFT JOIN article_signatures AS s ON s.article_id = w.article_id;
