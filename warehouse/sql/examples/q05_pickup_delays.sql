-- Which outlets followed each story, and how many minutes after the first?
-- Note: an aggregator's copy dated at midnight (day precision only) is placed no earlier than
-- its original, so no delay is negative; pickup_delay_max_minutes is the latest its date
-- allows (the end of that day, or when we first saw it).
SELECT story_id, outlet, role, precision, pickup_delay_minutes, pickup_delay_max_minutes
FROM story_timeline
WHERE outlet_count > 1
ORDER BY first_published_at DESC, story_id, appeared_at, outlet;
