"""A large synthetic web for the crawl and night benchmarks (issue 7).

``SynthWeb`` (``web.py``) scales the snapshot's three sample outlets to N outlets and any
number of article pages, rendered on demand from ``snapshot/templates`` with text recombined
from ``snapshot/content`` (``text.py``); ``SynthServer`` (``server.py``) serves it over real
HTTP on loopback with a per-response latency; ``write_registry`` (``registry.py``) writes the
matching outlet registry. ``python -m bench.synthweb`` serves one standalone.
"""

from bench.synthweb.registry import registry_entries, write_registry
from bench.synthweb.server import SynthServer, SynthWebProcess, control
from bench.synthweb.web import SynthOutlet, SynthWeb, WebConfig

__all__ = ["SynthOutlet", "SynthServer", "SynthWeb", "SynthWebProcess", "WebConfig", "control",
           "registry_entries", "write_registry"]
