INSERT INTO story_keys BY NAME SELECT * FROM key_rows;
