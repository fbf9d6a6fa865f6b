-- The articles that can share a story: near-duplicates and copies, and what copies point at.
-- Every other article is a story of its own (reset_story_ids.sql). Times in µs since the epoch.
SELECT article_id, epoch_us(coalesce(published_at, first_seen)) AS published, duplicate_of
FROM articles
WHERE duplicate_of IS NOT NULL
    OR article_id IN (SELECT duplicate_of FROM articles WHERE duplicate_of IS NOT NULL)
    OR article_id IN (SELECT article_id FROM near_duplicates)
    OR article_id IN (SELECT other_id FROM near_duplicates)
ORDER BY article_id;
