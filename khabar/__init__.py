"""What every stage shares, and nothing else: the run folder they hand each other (``khabar.run``),
when two URLs are one article (``khabar.urls``), the retry policy (``khabar.retry``), where files
live (``khabar.paths``) and free disk space (``khabar.disk``).

Importable by every package (spiders, transforms, warehouse, pipeline, flows): it imports none
of them, nor Scrapy, Prefect, DuckDB or trafilatura. A rule two stages must agree on has its one
owner here; a stage's own rules stay in that stage.
"""
