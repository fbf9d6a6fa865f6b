-- What the features of one slice of story_todo (seq in [$first, $stop)) are made of, with the
-- stored signature.
SELECT
    t.article_id,
    t.day,
    t.outlet,
    t.published,
    a.title,
    a.text,
    a.language,
    s.minhash
FROM story_todo AS t
JOIN articles AS a ON a.article_id = t.article_id
LEFT JOIN article_signatures AS s ON s.article_id = t.article_id
WHERE t.seq >= $first AND t.seq < $stop
ORDER BY t.seq;
