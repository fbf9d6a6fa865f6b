SELECT count(*) FROM story_versioned;
