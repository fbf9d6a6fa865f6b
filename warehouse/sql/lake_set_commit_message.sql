-- Names the snapshot the open transaction commits (ducklake_snapshots shows it).
CALL ducklake_set_commit_message($catalog, $author, $message, extra_info => $extra);
