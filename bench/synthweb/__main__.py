"""``python -m bench.synthweb``: serve a synthetic web on loopback until stopped.

Prints the host → address map as one JSON line on stdout (the value of Scrapy's
``SNAPSHOT_HOSTS`` setting), optionally writes the registry for ``KHABAR_REGISTRY``, then
serves until SIGINT or SIGTERM. Example::

    python -m bench.synthweb --outlets 10 --articles 20000 --latency 0.05 \\
        --registry /tmp/synth.yaml
    KHABAR_REGISTRY=/tmp/synth.yaml scrapy crawl outlet01 -s SNAPSHOT_HOSTS='<the JSON line>'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from datetime import datetime
from pathlib import Path

from bench.synthweb.registry import write_registry
from bench.synthweb.server import FIRST_ADDRESS, SynthServer
from bench.synthweb.web import THEMES, SynthWeb, WebConfig


def parse_config(argv: list[str] | None = None) -> tuple[WebConfig, argparse.Namespace]:
    defaults = WebConfig()
    parser = argparse.ArgumentParser(prog="python -m bench.synthweb", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, default=defaults.outlets)
    parser.add_argument("--articles", type=int, default=defaults.articles,
                        help="article pages of night 1, over all outlets")
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--anchor", type=datetime.fromisoformat, default=defaults.anchor,
                        help="date of the newest night-1 article (ISO 8601 with offset)")
    parser.add_argument("--new-per-night", type=int, default=defaults.new_per_night)
    parser.add_argument("--per-page", type=int, default=defaults.per_page)
    parser.add_argument("--sitemap-size", type=int, default=defaults.sitemap_size)
    parser.add_argument("--feed-items", type=int, default=defaults.feed_items)
    parser.add_argument("--themes", default=",".join(THEMES))
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument("--first-address", default=FIRST_ADDRESS)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--registry", type=Path, help="write the outlet registry YAML here")
    args = parser.parse_args(argv)
    config = WebConfig(outlets=args.outlets, articles=args.articles, days=args.days,
                       seed=args.seed, anchor=args.anchor, new_per_night=args.new_per_night,
                       per_page=args.per_page, sitemap_size=args.sitemap_size,
                       feed_items=args.feed_items, themes=tuple(args.themes.split(",")))
    return config, args


async def serve(server: SynthServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    addresses = await server.bind()
    print(json.dumps(addresses), flush=True)
    web = server.web
    print(f"serving {len(web.outlets)} outlets, {web.config.articles} articles, latency "
          f"{server.latency * 1000:.0f} ms; SIGINT/SIGTERM stops", file=sys.stderr, flush=True)
    await stop.wait()
    await server.close()


def main(argv: list[str] | None = None) -> int:
    config, args = parse_config(argv)
    web = SynthWeb(config)
    if args.registry:
        write_registry(web, args.registry)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(SynthServer(web, args.latency, args.first_address, args.port)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
