SELECT article_id, other_id FROM near_duplicates;
