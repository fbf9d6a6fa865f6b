"""Pure functions from fetched pages to article records: no network, no files, no clock."""
