-- Stored articles without story features outside the changes (a database just migrated to the
-- story graph, or damaged): then the graph is rebuilt from every article.
SELECT count(*)
FROM articles
WHERE article_id NOT IN (SELECT article_id FROM story_features)
    AND article_id NOT IN (SELECT article_id FROM story_changes);
