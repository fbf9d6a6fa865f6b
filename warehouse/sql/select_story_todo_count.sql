SELECT count(*) FROM story_todo;
