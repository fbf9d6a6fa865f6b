"""The run folder: the one contract every stage reads and writes (``<runs dir>/<run_id>/``).

* ``khabar.run.layout``: every folder and file name, and :class:`RunFolder`, which joins them;
  the run id and the folder's marker;
* ``khabar.run.records``: the crawl's raw page and fetch records (gzip JSON lines);
* ``khabar.run.salvage``: files a killed writer cut, made whole before they are read;
* ``khabar.run.state``: the crawl's state files (seen, known, validators, retry, recheck);
* ``khabar.run.crawlargs``: the crawl's arguments as one typed object;
* ``khabar.run.schemas``: the Arrow schemas of ``articles.parquet`` and ``pages.parquet``
  (imports pyarrow; a crawl never needs it).
* ``khabar.run.archive``: a finished run folder uploaded to object storage through fsspec,
  whole objects, the marker last.

This package imports no stage and none of Scrapy, Prefect, DuckDB or trafilatura.
"""

from khabar.run.layout import RunFolder, new_run_id

__all__ = ["RunFolder", "new_run_id"]
