-- Every article the story graph holds or should hold: rebuilds it from scratch.
CREATE OR REPLACE TEMP TABLE story_changes AS
SELECT article_id FROM articles
UNION SELECT article_id FROM story_features
UNION SELECT article_id FROM story_links
UNION SELECT other_id FROM story_links;
