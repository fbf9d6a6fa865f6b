-- MERGE, not ON CONFLICT: a DuckLake table has no key to conflict on (warehouse.lake).
MERGE INTO outlets AS o
USING outlet_rows AS s
ON o.id = s.id
WHEN MATCHED THEN UPDATE SET
    name = s.name,
    home = s.home,
    country = s.country,
    languages = s.languages,
    aggregator = s.aggregator,
    timezone = s.timezone
WHEN NOT MATCHED THEN INSERT (id, name, home, country, languages, aggregator, timezone)
    VALUES (s.id, s.name, s.home, s.country, s.languages, s.aggregator, s.timezone);
