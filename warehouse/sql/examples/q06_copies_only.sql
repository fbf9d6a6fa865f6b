-- Articles that only reproduce another outlet's article, with the original and the delay.
-- Note: copy_delay_minutes is measured from the original's publication; a day-precision copy
-- (maghress prints only the day) counts from the original, not from midnight.
SELECT
    outlet AS copied_by,
    copy_of_outlet AS original_outlet,
    precision,
    copy_delay_minutes,
    copy_of_url AS original_url
FROM story_timeline
WHERE role = 'copy'
ORDER BY first_published_at DESC, outlet;
