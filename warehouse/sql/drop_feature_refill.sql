DROP TABLE IF EXISTS story_refill;
