DROP TABLE IF EXISTS story_changes;
