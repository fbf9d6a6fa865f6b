SELECT count(*) FROM story_changes;
