-- Full-text search (French, Arabic, English; accents and case ignored), best match first.
SELECT round(score, 3) AS score, outlet, published_date, title
FROM search_articles('Bourita entretien', max_results := 5);
