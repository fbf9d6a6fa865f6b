-- Every snapshot of the lake with its run id when a load committed it (lake maintenance).
SELECT
    snapshot_id,
    snapshot_time,
    json_extract_string(commit_extra_info, '$.run_id') AS run_id
FROM ducklake_snapshots($catalog)
ORDER BY snapshot_id;
