DELETE FROM embeds WHERE run_id = $run_id;
