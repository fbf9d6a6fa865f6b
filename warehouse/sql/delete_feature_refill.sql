-- The incomplete rows stage_feature_refill.sql completed.
DELETE FROM story_features WHERE day BETWEEN $first AND $last AND outlet IS NULL;
