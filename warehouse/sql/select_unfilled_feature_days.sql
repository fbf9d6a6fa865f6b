-- Days of the story_features rows stored before migration 0020 (outlet still NULL), with how
-- many each: they get the columns it added a slice of days at a time.
SELECT day, count(*) AS articles
FROM story_features
WHERE outlet IS NULL
GROUP BY day
ORDER BY day;
