DROP TABLE IF EXISTS staged_rows;
