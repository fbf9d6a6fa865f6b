"""Registry → spiders: one spider class per outlet, named by the outlet id.

``OutletSpiderLoader`` (``SPIDER_LOADER_CLASS``) makes ``scrapy list`` print every registry
id and ``scrapy crawl <outlet_id>`` run it. Each outlet gets a subclass of the generic
``spiders.news.NewsSpider``, or of the class its registry entry names in ``spider:`` (a dotted
path, by convention a module ``spiders/outlets/<id>.py`` in this package, for the rare outlet
whose discovery needs code). Hand-written spiders found in ``SPIDER_MODULES`` stay available.

Settings read: ``KHABAR_REGISTRY`` (path of the registry file; default: the environment
variable of that name, else ``registry/outlets.yaml``).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Self

from scrapy import Request, Spider
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object

from registry import Outlet, load_outlets
from spiders.news import NewsSpider

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def spider_class(outlet: Outlet) -> type[NewsSpider]:
    """The spider class for ``outlet``: its ``spider:`` class, else ``NewsSpider``, bound to it.

    Raises:
        TypeError: the ``spider:`` class is not a ``NewsSpider`` subclass.
    """
    base = load_object(outlet.spider) if outlet.spider else NewsSpider
    if not (isinstance(base, type) and issubclass(base, NewsSpider)):
        raise TypeError(f"outlet {outlet.id}: spider {outlet.spider} is not a NewsSpider")
    class_name = "".join(part.title() for part in outlet.id.split("_")) + "Spider"
    return type(class_name, (base,), {"name": outlet.id, "outlet": outlet,
                                      "__module__": base.__module__})


class OutletSpiderLoader(SpiderLoader):
    """Scrapy's loader plus one spider per registry outlet."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        outlets = load_outlets(settings.get("KHABAR_REGISTRY") or None)
        self._outlet_spiders = {oid: spider_class(o) for oid, o in outlets.items()}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name in self._outlet_spiders:
            return self._outlet_spiders[spider_name]
        return super().load(spider_name)

    def list(self) -> list[str]:
        return [*self._outlet_spiders, *(n for n in super().list() if n not in
                                          self._outlet_spiders)]

    def find_by_request(self, request: Request) -> builtins.list[str]:  # ``list``: the method
        host = (urlparse_cached(request).hostname or "").lower()
        return [oid for oid, cls in self._outlet_spiders.items() if host in cls.outlet.hosts]
