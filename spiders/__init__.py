"""Khabar's Scrapy project: one generic news spider per registry outlet.

Modules: ``settings`` (politeness defaults), ``outlets`` (registry → spiders), ``news`` (the
spider), ``discovery`` (feed/sitemap/robots/listing parsing), ``urls`` (canonical links),
``pipelines`` (raw run files), ``rawstore`` (the file format, no Scrapy), ``snapshot_handler``
(offline replay of ``snapshot/outlets.warc.gz``).
"""
