SET VARIABLE khabar_snapshot = $snapshot;
