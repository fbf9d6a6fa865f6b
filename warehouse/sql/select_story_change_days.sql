-- Days of the changed articles' features with how many articles each: the candidate search
-- goes a slice of days at a time.
SELECT f.day, count(*) AS articles
FROM story_features AS f
JOIN story_changes AS c ON c.article_id = f.article_id
GROUP BY f.day
ORDER BY f.day;
