DROP TABLE IF EXISTS staged_keys;
