-- Days of the changed articles with how many articles each: the candidate search goes a slice
-- of days at a time.
SELECT day, count(*) AS articles
FROM story_sources
GROUP BY day
ORDER BY day;
