-- The lake as it was at snapshot getvariable('khabar_snapshot') (lake_set_snapshot).
ATTACH 'ducklake:khabar_lake' AS khabar (READ_ONLY, SNAPSHOT_VERSION getvariable('khabar_snapshot'));
