-- The changed articles' old days come from story_features (still there): a day filter lets
-- DuckDB skip the row groups of other days by their min/max instead of reading every key.
DELETE FROM story_keys
WHERE day IN (
        SELECT DISTINCT f.day FROM story_features AS f
        JOIN story_changes AS c ON c.article_id = f.article_id
    )
    AND article_id IN (SELECT article_id FROM story_changes);
