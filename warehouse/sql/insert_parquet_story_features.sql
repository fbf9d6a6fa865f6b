-- In day order: the pair features of a window's days are read by day range (zone maps).
INSERT INTO story_features (
    article_id, day, language, title, lead, names, numbers, shingles, outlet, published, minhash
)
SELECT p.article_id, s.day, s.language, p.story.title, p.story.lead, p.story.names,
    p.story.numbers, p.story.shingles, s.outlet, s.published, p.minhash
FROM parquet_story AS p
JOIN story_sources AS s ON s.article_id = p.article_id
ORDER BY s.day, p.article_id;
