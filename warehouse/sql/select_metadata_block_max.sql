SELECT max(block_id) FROM pragma_metadata_info($database);
