-- Articles per outlet: how many, how many reproduce another outlet's article, and the newest.
SELECT
    outlet,
    count(*) AS articles,
    count(duplicate_of) AS copies,
    max(published_date) AS newest
FROM articles
GROUP BY outlet
ORDER BY articles DESC;
