"""Point the flow's crawls at a synthetic web: its registry, its host map, extra settings.

A crawl reaches the synthetic outlets in snapshot mode with ``-s SNAPSHOT_HOSTS=<host → address
JSON>`` (``spiders/snapshot_handler.py``), finds them in the registry named by
``KHABAR_REGISTRY``, and the benchmarks add Scrapy settings of their own (AutoThrottle off, a
higher per-domain concurrency). :func:`synthetic_crawls` sets the environment variable (every
crawl process inherits it) and gives the settings to pass as ``crawl_outlet(settings=…)`` or
``nightly(crawl_settings=…)``: the real code paths, nothing patched.

:func:`bytecode_cache` lets the benchmark's child processes keep compiled bytecode: this
sandbox sets ``PYTHONDONTWRITEBYTECODE=1`` and ``uv pip sync`` installs no ``.pyc`` files, so
every crawl process would otherwise compile some 700 modules from source at start (1-2 s of CPU
each) — a cost a deployed machine pays once, not once per crawl per night.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from khabar.paths import PROJECT_ROOT

__all__ = ["bytecode_cache", "synthetic_crawls"]

# What the crawls, the extraction workers and the flow import: compiled once, before measuring.
_WARM_UP = ("scrapy.crawler", "scrapy.core.downloader.handlers.http11",
            "twisted.internet.asyncioreactor", "spiders.news", "spiders.outlets",
            "spiders.pipelines", "pipeline.extraction", "transforms.extract", "flows.nightly")


@contextmanager
def synthetic_crawls(registry: Path, hosts: Mapping[str, str],
                     settings: Mapping[str, Any] | None = None) -> Iterator[dict[str, str]]:
    """While active, crawl processes read ``registry``; yields the Scrapy settings that send
    them to ``hosts`` (plus ``settings``), for ``crawl_outlet(settings=…)``."""
    previous = os.environ.get("KHABAR_REGISTRY")
    os.environ["KHABAR_REGISTRY"] = str(registry)
    try:
        yield {"SNAPSHOT_HOSTS": json.dumps(dict(hosts)),
               **{name: str(value) for name, value in (settings or {}).items()}}
    finally:
        if previous is None:
            os.environ.pop("KHABAR_REGISTRY", None)
        else:
            os.environ["KHABAR_REGISTRY"] = previous


@contextmanager
def bytecode_cache(directory: Path, enabled: bool = True) -> Iterator[bool]:
    """While active, child processes write and reuse bytecode under ``directory``
    (``PYTHONPYCACHEPREFIX``), warmed up once here. Yields whether it is on."""
    if not enabled:
        yield False
        return
    names = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(directory)
    for command in (["-m", "bench.importtime", *_WARM_UP], ["-m", "scrapy", "list"]):
        subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings"})
    try:
        yield True
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
