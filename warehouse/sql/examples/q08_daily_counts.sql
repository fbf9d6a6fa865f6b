-- Articles per outlet per local day over the week up to the newest day, one column per outlet.
PIVOT (SELECT * FROM daily_counts WHERE day > (SELECT max(day) FROM daily_counts) - 7)
ON outlet USING sum(articles)
ORDER BY day;
