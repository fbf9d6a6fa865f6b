-- Articles per outlet per day (Casablanca time) over the last week, one column per outlet.
PIVOT (SELECT * FROM daily_counts WHERE day >= current_date - 7)
ON outlet USING sum(articles)
ORDER BY day;
