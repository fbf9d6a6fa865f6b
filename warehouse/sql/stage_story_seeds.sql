-- The articles whose story or copy link may move: the changed ones and, before their links are
-- deleted, every article linked to them (a link removed can split their story). One scan of
-- story_links for both ends.
CREATE OR REPLACE TEMP TABLE story_seeds AS
SELECT article_id FROM story_changes
UNION
SELECT unnest([article_id, other_id]) FROM story_links
WHERE article_id IN (SELECT article_id FROM story_changes)
    OR other_id IN (SELECT article_id FROM story_changes);
