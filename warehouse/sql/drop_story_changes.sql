DROP TABLE IF EXISTS story_changes;
DROP TABLE IF EXISTS story_seeds;
DROP TABLE IF EXISTS story_members;
