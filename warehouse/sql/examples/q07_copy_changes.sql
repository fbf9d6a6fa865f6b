-- How each republished copy differs from its original: title rewritten, words added or cut.
SELECT
    c.outlet AS copied_by,
    o.outlet AS original_outlet,
    c.title IS DISTINCT FROM o.title AS title_rewritten,
    c.word_count - o.word_count AS words_added,
    o.title AS original_title
FROM articles AS c
JOIN articles AS o ON o.article_id = c.duplicate_of
ORDER BY abs(c.word_count - o.word_count) DESC, o.title;
