INSERT INTO story_features BY NAME SELECT * FROM feature_rows;
