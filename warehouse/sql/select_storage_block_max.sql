-- The highest block a table's stored data occupies (strings spanning blocks included).
SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), -1)))
FROM pragma_storage_info($table);
