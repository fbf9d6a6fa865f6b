-- Articles whose signature may have changed since the story index was last brought up to date
-- (the loader lists every article the run touched; a superset only costs time).
CREATE OR REPLACE TEMP TABLE story_changes AS
SELECT DISTINCT article_id FROM changed_rows;
