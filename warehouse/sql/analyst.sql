-- The session `python -m warehouse sql` runs an analyst's SQL in (warehouse.analyst,
-- warehouse.lakeread): fts loaded, on the lake its data folder allowed, then locked so the
-- analyst's SQL cannot change it.

-- name: load_fts
LOAD fts;

-- name: allow_lake_data_directory
-- On the lake (warehouse.lakeread), the lake's data folder, $folders, is the one place its
-- files may be read from once external access is off (lock_analyst_session, next).
SET allowed_directories = $folders;

-- name: lock_analyst_session
-- After this, the session reads its warehouse file and nothing else: no ATTACH, COPY TO,
-- EXPORT, INSTALL or read_* of files (external access cannot be enabled again while the
-- database runs), and no SET at all (log_query_path, for one, writes a file even then).
SET enable_external_access = false;
SET lock_configuration = true;
