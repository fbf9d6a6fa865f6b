-- Every load's snapshot (warehouse.lake.tag_commit put the run id in commit_extra_info).
SELECT
    json_extract_string(commit_extra_info, '$.run_id') AS run_id,
    snapshot_id,
    snapshot_time AS committed_at,
    commit_message AS message
FROM ducklake_snapshots($catalog)
WHERE json_extract_string(commit_extra_info, '$.run_id') IS NOT NULL
ORDER BY snapshot_id;
