-- Each night's status and duration; per outlet: pages, new, updated, copies, errors, quality.
-- Note: the per-outlet rows are the ones the night's report stored (`crawl_runs.counts`, keys as
-- in the `nightly-outlets` artifact).
SELECT
    r.run_id,
    r.status,
    r.finished_at - r.started_at AS duration,
    o.outlet,
    o.fetched,
    o.new,
    o.updated,
    o.duplicates,
    o.fetch_errors,
    o.quality
FROM crawl_runs AS r,
    unnest(from_json(r.counts -> 'outlets',
        '[{"outlet":"VARCHAR","fetched":"INTEGER","new":"INTEGER","updated":"INTEGER",
           "duplicates":"INTEGER","fetch_errors":"INTEGER","quality":"VARCHAR"}]')) AS t(o)
WHERE r.flow = 'nightly'
ORDER BY r.started_at DESC, o.outlet;
