-- Stored articles without story features outside the changes (a database just migrated to the
-- story graph, or damaged): then the graph is rebuilt from every article. Two counts, each a
-- scan of one column against the small set of changes (no join of all articles with all
-- features: a night on 1M stored).
SELECT
    (SELECT count(*) FROM articles
        WHERE article_id NOT IN (SELECT article_id FROM story_changes))
    - (SELECT count(*) FROM story_features
        WHERE article_id NOT IN (SELECT article_id FROM story_changes));
