-- Median word count per outlet of the articles one run extracted (the quality checks' length).
SELECT e.outlet, CAST(median(a.word_count) AS DOUBLE) AS median_words, count(*) AS articles
FROM extractions AS e
JOIN articles AS a ON a.article_id = e.article_id
WHERE e.run_id = $run_id AND e.verdict = 'article'
GROUP BY e.outlet
ORDER BY e.outlet;
