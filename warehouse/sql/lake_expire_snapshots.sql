-- Forget the snapshots $versions (warehouse.lakemaint.snapshots_to_expire chose them): time
-- travel to them ends, and the files only they used are scheduled for deletion.
CALL ducklake_expire_snapshots($catalog, versions => $versions);
