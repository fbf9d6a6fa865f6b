-- Articles that only reproduce another outlet's article, with the original and the delay.
-- Note: maghress dates its copies at midnight of the day only, so the delay is in local
-- calendar days (`published_date`, 0 = the same day).
SELECT
    c.outlet AS copied_by,
    o.outlet AS original_outlet,
    date_diff('day', o.published_date, c.published_date) AS delay_days,
    o.title AS original_title
FROM articles AS c
JOIN articles AS o ON o.article_id = c.duplicate_of
ORDER BY o.published_at DESC;
