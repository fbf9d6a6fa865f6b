-- Every changed article's features are computed here (no run file gave them): see
-- stage_story_todo.sql.
CREATE OR REPLACE TEMP TABLE story_todo AS
SELECT *, row_number() OVER (ORDER BY day, article_id) - 1 AS seq
FROM story_sources;
