DROP TABLE IF EXISTS search_current;
DROP TABLE IF EXISTS search_removed;
DROP TABLE IF EXISTS search_added;
DROP TABLE IF EXISTS search_removed_df;
DROP TABLE IF EXISTS search_new_terms;
