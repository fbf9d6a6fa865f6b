-- What did each outlet publish about "Rabat" in the week up to the newest article stored?
-- Note: the week is counted back from the newest publication day in the warehouse, not from
-- today, so the query answers the same on the demo's frozen snapshot as on a live warehouse
-- (write `current_date - 6` for the week up to today). Days are the outlets' local days.
SELECT outlet, published_date, title
FROM search_articles('Rabat', max_results := 100)
WHERE published_date > (SELECT max(published_date) FROM articles) - 7
ORDER BY outlet, published_date, title;
