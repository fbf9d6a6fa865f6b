-- Which accounts do the articles quote through embedded posts (tweets, Instagram, Facebook, TikTok, YouTube)?
-- The posts are kept out of the article text (`articles.text`) and listed in `article_embeds`, in page order; `embeds` keeps every run's.
SELECT e.platform, e.handle, e.author, count(*) AS posts, count(DISTINCT e.article_id) AS articles,
    min(e.text) AS sample_text
FROM article_embeds AS e
GROUP BY ALL
ORDER BY posts DESC, e.platform, e.handle
LIMIT 10;
