INSERT INTO story_links BY NAME SELECT * FROM link_rows;
