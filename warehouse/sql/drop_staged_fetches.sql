DROP TABLE IF EXISTS staged_fetches;
