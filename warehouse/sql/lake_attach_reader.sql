ATTACH 'ducklake:khabar_lake' AS khabar (READ_ONLY);
