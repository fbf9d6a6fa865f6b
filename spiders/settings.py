"""Scrapy settings for Khabar's crawls (``scrapy.cfg`` points here).

Politeness first: robots.txt is obeyed, AutoThrottle adapts the delay to each server's latency,
and per-domain concurrency is low. An outlet's ``politeness`` entry in the registry overrides
concurrency and delay for its spider (``NewsSpider.update_settings``). Command-line ``-s``
settings override everything here.

Snapshot mode (``-s SNAPSHOT_WARC=snapshot/outlets.warc.gz`` or ``-s SNAPSHOT_HOSTS=...``)
is switched on by ``spiders.snapshot_handler.SnapshotAddon``.
"""

import os

BOT_NAME = "khabar"
# An honest User-Agent with a contact URL. Operators set their own with the environment
# variable or setting KHABAR_USER_AGENT (e.g. "KhabarBot/0.1 (+https://example.org/contact)").
USER_AGENT = "KhabarBot/0.1 (+https://github.com/khabar-news/khabar)"
KHABAR_USER_AGENT = os.environ.get("KHABAR_USER_AGENT") or None

# Spiders are made from the outlet registry (KHABAR_REGISTRY, env or setting), not modules.
SPIDER_LOADER_CLASS = "spiders.outlets.OutletSpiderLoader"
SPIDER_MODULES = ["spiders.outlets"]
NEWSPIDER_MODULE = "spiders.outlets"

ADDONS = {"spiders.snapshot_handler.SnapshotAddon": 0}
ITEM_PIPELINES = {"spiders.pipelines.RawStorePipeline": 300}
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt: a private address gets no request at all, not even for robots.txt.
    "spiders.guard.PrivateAddressMiddleware": 40,
    # Retries wait (exponential backoff, Retry-After) instead of going out again at once.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.backoff.BackoffRetryMiddleware": 550,
    # Sees 3xx responses before RedirectMiddleware (600) turns them into requests.
    "spiders.guard.OffsiteRedirectMiddleware": 610,
}

# Politeness
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
COOKIES_ENABLED = False
DOWNLOAD_DELAY = 0.0

# Retry backoff (spiders/backoff.py): 2 s, 4 s (+ up to 10 %), or what Retry-After says
BACKOFF_ENABLED = True
BACKOFF_BASE_DELAY = 2.0
BACKOFF_JITTER = 0.1
BACKOFF_MAX_DELAY = 120.0

# Safety (spiders/guard.py): private, loopback and link-local addresses are refused unless
# this is true (tests against loopback servers; snapshot mode allows loopback by itself).
KHABAR_ALLOW_PRIVATE = False

# Downloads (DOWNLOAD_MAXSIZE also bounds decompressed bodies: no gzip bombs)
DNS_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5

# One crawl per process, nothing listening: no telnet console, no remote control socket.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

LOG_LEVEL = "INFO"
