"""Khabar's Scrapy project: one generic news spider per registry outlet.

Modules: ``settings`` (politeness defaults), ``outlets`` (registry → spiders), ``news`` (the
spider), ``discovery`` (feed/sitemap/robots/listing parsing), ``pipelines`` (raw run files),
``backoff``, ``guard``, ``limits``, ``redact`` (middlewares and extensions), ``snapshot_handler``
(offline replay of ``snapshot/outlets.warc.gz``). What the crawl shares with the other stages
is not here but in ``khabar``: the run folder and its formats (``khabar.run``), URL identity
(``khabar.urls``) and the retry policy (``khabar.retry``).
"""
