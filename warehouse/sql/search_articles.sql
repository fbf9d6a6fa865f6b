SELECT article_id, outlet, title, canonical_url, published_at, score
FROM (
    SELECT *, fts_main_articles.match_bm25(article_id, $query) AS score FROM articles
)
WHERE score IS NOT NULL
ORDER BY score DESC, article_id
LIMIT $limit;
