UPDATE articles SET story_id = m.story_id, duplicate_of = m.duplicate_of
FROM story_map AS m
WHERE articles.article_id = m.article_id
    AND (articles.story_id IS DISTINCT FROM m.story_id
        OR articles.duplicate_of IS DISTINCT FROM m.duplicate_of);
