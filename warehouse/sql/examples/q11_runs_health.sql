-- Each night: status, duration, and per-outlet fetches, errors and new articles.
SELECT
    r.run_id,
    r.status,
    r.finished_at - r.started_at AS duration,
    o.outlet,
    o.fetches,
    o.errors,
    o.articles_new,
    o.articles_updated,
    o.duplicates
FROM crawl_runs AS r,
    unnest(from_json(r.counts -> 'outlets',
        '[{"outlet":"VARCHAR","fetches":"INTEGER","errors":"INTEGER",
           "articles_new":"INTEGER","articles_updated":"INTEGER",
           "duplicates":"INTEGER"}]')) AS t(o)
ORDER BY r.started_at DESC, o.outlet;
