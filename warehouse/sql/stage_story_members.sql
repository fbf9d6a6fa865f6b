-- The articles to regroup: the seeds, the articles newly linked to them, and every member of
-- the stories any of these belonged to. Stories outside it keep their rows untouched.
CREATE OR REPLACE TEMP TABLE story_members AS
WITH seeds AS (
    SELECT article_id FROM story_seeds
    UNION SELECT other_id FROM story_links WHERE article_id IN (SELECT article_id FROM story_seeds)
    UNION SELECT article_id FROM story_links WHERE other_id IN (SELECT article_id FROM story_seeds)
),
old_stories AS (
    SELECT DISTINCT a.story_id FROM articles AS a JOIN seeds AS s ON s.article_id = a.article_id
    WHERE a.story_id IS NOT NULL
)
SELECT article_id FROM seeds WHERE article_id IN (SELECT article_id FROM articles)
UNION SELECT a.article_id FROM articles AS a JOIN old_stories AS o ON o.story_id = a.story_id;
