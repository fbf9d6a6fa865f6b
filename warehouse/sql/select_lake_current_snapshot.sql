SELECT id FROM ducklake_current_snapshot($catalog);
