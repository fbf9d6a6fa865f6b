DROP TABLE IF EXISTS wanted_stories;
