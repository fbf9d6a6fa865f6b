-- Pages of the run superseded by a later fetch of the same URL further in the raw files.
DELETE FROM pages WHERE run_id = $run_id AND url IN (SELECT unnest($urls::VARCHAR[]));
