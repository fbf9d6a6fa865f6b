INSERT INTO fetches BY NAME SELECT * FROM staged_fetches;
