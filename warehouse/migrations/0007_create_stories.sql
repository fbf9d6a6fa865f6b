-- Groups of articles telling the same story (near-duplicate text or declared copies).
CREATE TABLE stories (
    story_id VARCHAR PRIMARY KEY,
    first_article_id VARCHAR NOT NULL,
    first_published_at TIMESTAMPTZ,
    article_count INTEGER NOT NULL,
    outlet_count INTEGER NOT NULL
);
