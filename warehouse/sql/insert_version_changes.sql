INSERT INTO version_changes BY NAME SELECT * FROM change_rows;
