-- Most prolific bylines, per outlet.
SELECT outlet, author, count(*) AS articles
FROM (SELECT outlet, unnest(authors) AS author FROM articles)
GROUP BY ALL
ORDER BY articles DESC, outlet, author
LIMIT 10;
