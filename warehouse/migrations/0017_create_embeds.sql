-- Posts the articles embed (tweets, Instagram, Facebook, TikTok, YouTube: transforms.embeds), one
-- row per article, run and embed, in page order. Replace by run, like extractions: a reload
-- deletes the run's rows and inserts them again.
CREATE TABLE embeds (
    run_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    platform VARCHAR NOT NULL,
    url VARCHAR,
    author VARCHAR,
    handle VARCHAR,
    text VARCHAR,
    fetched_at TIMESTAMPTZ NOT NULL
);
-- The embeds of the fetch each article holds (articles.last_seen), as articles hold its text.
CREATE VIEW article_embeds AS
SELECT
    e.article_id,
    a.outlet,
    e.position,
    e.platform,
    e.url,
    e.author,
    e.handle,
    e.text,
    e.run_id,
    e.fetched_at
FROM embeds AS e
JOIN articles AS a ON a.article_id = e.article_id AND a.last_seen = e.fetched_at;
