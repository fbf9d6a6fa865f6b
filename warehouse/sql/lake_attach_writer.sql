ATTACH 'ducklake:khabar_lake' AS khabar;
