INSERT INTO outlets (id, name, home, country, languages, aggregator, timezone)
SELECT id, name, home, country, languages, aggregator, timezone FROM outlet_rows
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name,
    home = excluded.home,
    country = excluded.country,
    languages = excluded.languages,
    aggregator = excluded.aggregator,
    timezone = excluded.timezone;
