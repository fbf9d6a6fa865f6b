-- Per outlet: articles, share that are copies, median length, languages.
SELECT
    outlet,
    count(*) AS articles,
    round(100 * avg((duplicate_of IS NOT NULL)::INTEGER), 1) AS pct_copies,
    median(word_count) AS median_words,
    list(DISTINCT language) AS languages
FROM articles
GROUP BY outlet
ORDER BY articles DESC;
