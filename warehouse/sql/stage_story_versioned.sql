-- The changed articles with a later version (a scan of two narrow columns): most nights have
-- few, and select_changed_versions.sql then reads only their texts.
CREATE OR REPLACE TEMP TABLE story_versioned AS
SELECT DISTINCT article_id
FROM article_versions
WHERE version > 1 AND article_id IN (SELECT article_id FROM story_changes);
