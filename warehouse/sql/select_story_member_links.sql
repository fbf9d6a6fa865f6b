-- Every link among the articles to regroup (a link's two ends are always in one story).
SELECT l.article_id, l.other_id, l.kind, l.containment
FROM story_links AS l
WHERE l.article_id IN (SELECT article_id FROM story_members)
    AND l.other_id IN (SELECT article_id FROM story_members);
