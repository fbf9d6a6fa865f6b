DROP TABLE IF EXISTS story_changes;
DROP TABLE IF EXISTS story_seeds;
DROP TABLE IF EXISTS story_sources;
DROP TABLE IF EXISTS story_todo;
DROP TABLE IF EXISTS story_members;
DROP TABLE IF EXISTS story_versioned;
DROP TABLE IF EXISTS parquet_story;
