-- In step, every stored signature outside story_changes has exactly one row per band (a
-- database just migrated to the story index, or damaged, has not).
SELECT
    (SELECT count(*) FROM article_signatures
        WHERE article_id NOT IN (SELECT article_id FROM story_changes)) AS signatures,
    (SELECT count(*) FROM signature_bands
        WHERE article_id NOT IN (SELECT article_id FROM story_changes)) AS bands;
