-- Every article the story index holds or should hold: rebuilds it from scratch.
CREATE OR REPLACE TEMP TABLE story_changes AS
SELECT article_id FROM article_signatures
UNION SELECT article_id FROM signature_bands
UNION SELECT article_id FROM near_duplicates
UNION SELECT other_id FROM near_duplicates;
