-- Which outlets followed each story, and how long after the first?
-- Note: a negative delay is an aggregator copy dated at midnight (day precision only) of the
-- day the original appeared: it followed the same day, it did not lead.
SELECT story_id, outlet, published_at, pickup_delay
FROM story_outlets
WHERE outlet_count > 1
ORDER BY first_published_at DESC, pickup_delay;
